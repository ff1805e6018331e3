import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp } from "../factories.js";
import { createModerator } from "../helpers/moderators.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/sockets.js";
import { buildClient, launchChromium, openPage, PHONE, screenshot, signInAs } from "./browser.js";

const DEAL_URL = /\/deals\/[0-9a-f-]{36}$/;

/**
 * A whole order in a real browser: Noor buys a lamp with shipping (address in the buy box), pays; Sam
 * sees it first in My sales, ships it with a carrier and tracking number; Noor reports a problem; a
 * moderator finds the dispute in the console, writes in the deal's thread and refunds half; both review
 * (blind until both have), and the reviews show on Sam's page. Every step reaches the other screens live.
 * Screenshots at desktop width and at 390 px.
 */
describe("an order after payment in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let noor: Page;
  let sam: Page;
  let mod: Page;
  const dialogs: string[] = [];
  let samSession: Session;
  let noorSession: Session;
  let item: Item;
  let dealUrl = "";

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    const viewport = { width: 1280, height: 900 };
    ({ page: noor } = await openPage(browser, viewport, dialogs));
    ({ page: sam } = await openPage(browser, viewport, dialogs));
    ({ page: mod } = await openPage(browser, viewport, dialogs));
    samSession = await signUp(server.url, "seller", { displayName: "Sam's Workshop" });
    noorSession = await signUp(server.url, "buyer", { displayName: "Noor" });
    item = await listItem(server.url, samSession, {
      title: "Brass desk lamp",
      description: "1960s, rewired.",
      price: { amount: 4000, currency: "usd" },
      quantity: 2,
      shippingOptions: [{ id: "post", name: "Tracked post", cost: { amount: 700, currency: "usd" } }],
    });
    await signInAs(noor, server.url, noorSession);
    await signInAs(sam, server.url, samSession);
    await signInAs(mod, server.url, await createModerator(server));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("the buyer picks shipping, gives an address, buys and pays; the deal says when it ships by", async () => {
    await noor.goto(`${server.url}/items/${item.id}`);
    await noor.getByRole("heading", { name: "Brass desk lamp" }).waitFor();
    await noor.getByLabel(/Tracked post/).check();
    // Without an address the buy box says what is missing, in words.
    await noor.getByRole("button", { name: /Buy now/ }).click();
    await noor.getByText(/Where should it go\? Full name/).waitFor();
    await noor.getByLabel("Full name").fill("Noor Haddad");
    await noor.getByLabel("Street and number").fill("12 Canal Street");
    await noor.getByLabel("Postal code").fill("LS1 4DY");
    await noor.getByLabel("City").fill("Leeds");
    await noor.getByLabel(/Country code/).fill("GB");
    await screenshot(noor, "order-buy-box", { fullPage: true });
    await noor.getByRole("button", { name: "Buy now · $47.00" }).click();
    await noor.waitForURL(DEAL_URL);
    dealUrl = noor.url();
    await noor.getByLabel("Card number").fill("4242424242424242");
    await noor.getByRole("button", { name: "Pay" }).click();
    await noor.getByText("It's yours!").waitFor();
    await noor.getByText(/Sam's Workshop ships by .+; if not, you are refunded in full/).waitFor();
    expect(await noor.getByRole("button", { name: "I received it" }).isVisible()).toBe(true);
    expect(await noor.getByRole("button", { name: "Report a problem" }).isVisible()).toBe(true);
  });

  it("the seller finds it first in My sales, sees the address and the deadline, and ships it", async () => {
    await sam.getByRole("link", { name: "My sales" }).click();
    const waiting = sam.getByRole("list", { name: "Needs your action" });
    await waiting.locator(".deal-row", { hasText: "Brass desk lamp" }).waitFor();
    expect(await waiting.locator(".deal-row").first().textContent()).toMatch(/to Noor · ship by /);
    await screenshot(sam, "order-my-sales");
    await waiting.locator(".deal-row", { hasText: "Brass desk lamp" }).click();
    await sam.waitForURL(DEAL_URL);
    await sam.getByText(/^Ship by .+, or the order is canceled and refunded$/).waitFor();
    await sam.getByText("12 Canal Street").waitFor();
    await sam.getByRole("button", { name: "Mark as shipped" }).click();
    await sam.getByLabel("Carrier (optional)").fill("Royal Mail");
    await sam.getByLabel("Tracking number (optional)").fill("RM123456789GB");
    await screenshot(sam, "order-ship-form");
    await sam.getByRole("button", { name: "Confirm shipment" }).click();
    await sam.getByText("Shipped: Royal Mail · RM123456789GB.").waitFor();
    await sam.getByText(/^Completes by itself .+ unless the buyer reports a problem$/).waitFor();
    expect(await sam.locator('.stepper [aria-current="step"]').textContent()).toContain("Shipped");
    // The buyer's page follows live.
    await noor.getByText("On its way").waitFor();
    await noor
      .locator(".timeline")
      .getByText(/shipped the item \(Royal Mail RM123456789GB\)/)
      .waitFor();
  });

  it("the buyer reports a problem with a reason; both sides see the dispute", async () => {
    await noor.getByRole("button", { name: "Report a problem" }).click();
    await noor.getByLabel(/What went wrong/).fill("The shade arrived dented.");
    await noor.getByRole("button", { name: "Report the problem" }).click();
    await noor.getByText("A problem was reported").waitFor();
    await sam.getByText("A problem was reported").waitFor();
    await sam
      .locator(".deal-status, .fulfilment-status")
      .getByText(/The shade arrived dented\./)
      .waitFor();
    expect(await sam.locator(".deal-actions button").count()).toBe(0);
  });

  it("a moderator finds the dispute in the console, writes in the thread and refunds half", async () => {
    await mod.goto(`${server.url}/console/deals`);
    const disputes = mod.getByRole("region", { name: "Disputes" });
    await disputes.locator(".deal-row", { hasText: "Brass desk lamp" }).waitFor();
    await screenshot(mod, "order-console-disputes");
    await disputes.locator(".deal-row", { hasText: "Brass desk lamp" }).click();
    await mod.waitForURL(DEAL_URL);
    expect(mod.url()).toBe(dealUrl);
    await mod.getByLabel("Message").fill("Hello both, I'm looking into it: a photo of the dent, please?");
    await mod.getByRole("button", { name: "Send" }).click();
    await noor
      .locator(".timeline")
      .getByText(/a photo of the dent, please\?/)
      .waitFor();
    await sam
      .locator(".timeline")
      .getByText(/a photo of the dent, please\?/)
      .waitFor();

    await mod.getByLabel("Refund part of it").check();
    await mod.getByLabel(/Amount to refund/).fill("50");
    await mod.getByRole("button", { name: "Refund the buyer" }).click();
    await mod.getByText("Refund at most the total, $47.00.").waitFor();
    await mod.getByLabel(/Amount to refund/).fill("23.50");
    await screenshot(mod, "order-resolve-panel");
    await mod.getByRole("button", { name: "Refund the buyer" }).click();
    await mod.getByText("$23.50 of $47.00 was refunded to Noor.").waitFor();
    // The thread is the parties' again.
    await mod.getByText("Moderators write here only while the deal is disputed.").waitFor();

    await noor.getByText("$23.50 of $47.00 was refunded to you.").waitFor();
    await noor
      .locator(".timeline")
      .getByText(/settled the dispute with a refund/)
      .waitFor();
    await eventually(async () =>
      expect(await noor.locator(".stepper .step-ended").textContent()).toContain("Refunded"),
    );
    await screenshot(noor, "order-refunded", { fullPage: true });
    await sam.getByText("$23.50 of $47.00 was refunded to Noor.").waitFor();
    expect(dialogs).toEqual([]);
  });

  it("after the partial refund both review; the reviews publish together and show on the seller's page", async () => {
    // Noor kept the lamp and paid half: the deal is reviewed like a completed one, blind until both have.
    await noor.getByLabel("2 stars").check({ force: true });
    await noor.getByLabel("Your review", { exact: true }).fill("Arrived dented; the refund was fair.");
    await noor.getByRole("button", { name: "Send review" }).click();
    await noor.getByText("Thanks! Your review is hidden until Sam's Workshop reviews too").waitFor();
    await sam.locator(".review-card", { hasText: "Noor reviewed this deal" }).waitFor();
    expect(await sam.locator(".deal-reviews .review").count()).toBe(0);
    await sam.getByLabel("4 stars").check({ force: true });
    await sam.getByLabel("Your review", { exact: true }).fill("Sorry about the dent, thanks for the photos.");
    await sam.getByRole("button", { name: "Send review" }).click();
    for (const page of [noor, sam]) {
      await page.locator(".review-card", { hasText: "Both reviews are published" }).waitFor();
      await page.locator(".deal-reviews .review").nth(1).waitFor();
    }
    await screenshot(sam, "order-reviews", { fullPage: true });
    await noor.goto(`${server.url}/u/${samSession.user.username}`);
    await noor.getByTestId("seller-rating").getByText("★ 2.0 (1 review)").waitFor();
    await noor.locator(".review", { hasText: "Arrived dented; the refund was fair." }).waitFor();
    await screenshot(noor, "order-seller-reviews", { fullPage: true });
    await noor.goto(dealUrl);
    expect(dialogs).toEqual([]);
  });

  it("fits a phone: the buyer's order and the seller's ship form at 390 px", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      page.setDefaultTimeout(10_000);
      await signInAs(page, server.url, noorSession);
      await page.goto(dealUrl);
      await page.getByText("$23.50 of $47.00 was refunded to you.").waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "order-phone-refunded", { fullPage: true });

      // A second order, to see the seller's ship form on a phone.
      await page.goto(`${server.url}/items/${item.id}`);
      await page.getByLabel(/Tracked post/).check();
      for (const [label, value] of [
        ["Full name", "Noor Haddad"],
        ["Street and number", "12 Canal Street"],
        ["Postal code", "LS1 4DY"],
        ["City", "Leeds"],
      ] as const) {
        await page.getByLabel(label).fill(value);
      }
      await page.getByLabel(/Country code/).fill("GB");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "order-phone-buy-box", { fullPage: true });
      await page.getByRole("button", { name: /Buy now/ }).click();
      await page.waitForURL(DEAL_URL);
      await page.getByLabel("Card number").fill("4242424242424242");
      await page.getByRole("button", { name: "Pay" }).click();
      await page.getByText("It's yours!").waitFor();
      const second = page.url();

      // The seller, on a phone of their own.
      const sellerPhone = await browser.newContext(PHONE);
      try {
        const sellerPage = await sellerPhone.newPage();
        sellerPage.setDefaultTimeout(10_000);
        await signInAs(sellerPage, server.url, samSession);
        await sellerPage.goto(second);
        await sellerPage.getByRole("button", { name: "Mark as shipped" }).click();
        await sellerPage.getByLabel("Carrier (optional)").waitFor();
        expect(await sellerPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          390,
        );
        for (const name of ["Confirm shipment", "Not yet"]) {
          const box = await sellerPage.getByRole("button", { name }).boundingBox();
          expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
        }
        await screenshot(sellerPage, "order-phone-ship-form", { fullPage: true });
      } finally {
        await sellerPhone.close();
      }
    } finally {
      await phone.close();
    }
  });
});
