import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp } from "../factories.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/sockets.js";
import {
  buildClient,
  launchChromium,
  openPage,
  PHONE,
  screenshot,
  signInAs,
  waitForCount,
} from "./browser.js";

const DEAL_URL = /\/deals\/[0-9a-f-]{36}$/;

/**
 * Deals in a real browser. A seller buys another seller's item: declined, reload, still on the deal with
 * its countdown, pays; it is in their purchases, and in the other seller's sales live. A second buyer sees
 * "Reserved" meanwhile; after paying, the item page still says "It's yours!". A hold that runs out says
 * so and offers to buy again.
 */
describe("deals in Chromium", () => {
  let server: TestServer;
  let shortHold: TestServer;
  let browser: Browser;
  let clientDir: string;
  let noor: Page;
  let sam: Page;
  let bea: Page;
  const dialogs: string[] = [];
  let samSession: Session;
  let item: Item;
  let dealUrl = "";

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    [server, shortHold] = await Promise.all([
      startServer({ clientDir }),
      startServer({ clientDir, env: { CHECKOUT_HOLD_SECONDS: "4" } }),
    ]);
    const viewport = { width: 1280, height: 860 };
    ({ page: noor } = await openPage(browser, viewport, dialogs));
    ({ page: sam } = await openPage(browser, viewport, dialogs));
    ({ page: bea } = await openPage(browser, viewport, dialogs));
    samSession = await signUp(server.url, "seller", { displayName: "Sam's Workshop" });
    item = await listItem(server.url, samSession, {
      title: "Oak side table",
      description: "Solid oak, hand-oiled. 45 × 45 cm.",
      price: { amount: 8500, currency: "usd" },
    });
    await signInAs(noor, server.url, await signUp(server.url, "seller", { displayName: "Noor's Attic" }));
    await signInAs(sam, server.url, samSession);
    await signInAs(bea, server.url, await signUp(server.url, "buyer", { displayName: "Bea" }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), shortHold?.close()]);
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("a seller buys another seller's item: Buy now opens the deal, reserved, with its countdown", async () => {
    await sam.getByRole("link", { name: "My sales" }).click();
    await sam.getByRole("heading", { name: "My sales" }).waitFor();
    await sam.getByText(/No sales yet/).waitFor();

    await noor.goto(`${server.url}/items/${item.id}`);
    await noor.getByRole("heading", { name: "Oak side table" }).waitFor();
    await noor.getByRole("button", { name: "Buy now" }).click();
    await noor.waitForURL(DEAL_URL);
    await noor.getByRole("heading", { name: "Reserved for you" }).waitFor();
    await noor.getByRole("timer").waitFor();
    expect(await noor.getByRole("timer").textContent()).toMatch(/^1[45]:\d\d left$/);
    expect(await noor.locator('.stepper [aria-current="step"]').textContent()).toContain("Reserved");
  });

  it("the seller sees by whom and until when, live in My sales; a second buyer sees Reserved, not Buy now", async () => {
    const row = sam.locator(".deal-row", { hasText: "Oak side table" });
    await eventually(async () => expect(await row.textContent()).toMatch(/to Noor's Attic · reserved until/));

    await sam.goto(`${server.url}/items/${item.id}`);
    await sam.getByText(/^Reserved by Noor's Attic until \d/).waitFor();

    await bea.goto(`${server.url}/items/${item.id}`);
    await bea.getByText(/Reserved, may free up at \d/).waitFor();
    expect(await bea.getByRole("button", { name: "Buy now" }).isDisabled()).toBe(true);
    await screenshot(bea, "item-reserved");
    // Back to the list, where the payment must arrive by itself.
    await sam.getByRole("link", { name: "My sales" }).click();
    await sam.locator(".deal-row", { hasText: "Oak side table" }).waitFor();
  });

  it("a declined card stays in the deal, a reload lands on the deal with its countdown, then paying works", async () => {
    await noor.getByLabel("Card number").fill("4000000000000002");
    await noor.getByRole("button", { name: "Pay" }).click();
    await noor.getByText("Your card was declined. Try another card.").waitFor();
    await noor
      .locator(".timeline")
      .getByText(/did not go through: the card was declined/)
      .waitFor();
    // The room never hears of it.
    await bea.getByText("Reserved, may free up at", { exact: false }).waitFor();
    expect(await bea.getByText(/did not go through/).count()).toBe(0);

    dealUrl = noor.url();
    await noor.reload();
    expect(noor.url()).toBe(dealUrl);
    await noor.getByRole("heading", { name: "Reserved for you" }).waitFor();
    await noor.getByRole("timer").waitFor();
    await noor
      .locator(".timeline")
      .getByText(/did not go through/)
      .waitFor();
    await noor.getByLabel("Message").fill("Hi Sam! Could you post it to Leeds?");
    await noor.getByRole("button", { name: "Send" }).click();
    await noor.locator(".timeline").getByText("Hi Sam! Could you post it to Leeds?").waitFor();
    // Once: the pending bubble gave way to the event with its clientMessageId.
    await waitForCount(noor.locator(".timeline .message"), 1);
    await screenshot(noor, "deal-payment", { fullPage: true });

    await noor.getByLabel("Card number").fill("4242424242424242");
    await noor.getByRole("button", { name: "Pay" }).click();
    await noor.getByText("It's yours!").waitFor();
    expect(await noor.locator('.stepper [aria-current="step"]').textContent()).toContain("Paid");
    await screenshot(noor, "deal-paid");
  });

  it("the purchase is in My purchases, the sale in My sales (live), and both item pages stay true after a reload", async () => {
    // Sam has not moved since the reservation: the row turned Paid live.
    expect(sam.url()).toBe(`${server.url}/sales`);
    const sale = sam.locator(".deal-row", { hasText: "Oak side table" });
    await eventually(async () => expect(await sale.textContent()).toContain("Paid"));
    await screenshot(sam, "my-sales");

    await noor.getByRole("link", { name: "My purchases" }).click();
    const purchase = noor.locator(".deal-row", { hasText: "Oak side table" });
    await eventually(async () => expect(await purchase.textContent()).toMatch(/from Sam's Workshop.*Paid/));
    await screenshot(noor, "my-purchases");

    await noor.goto(`${server.url}/items/${item.id}`);
    await noor.reload();
    await noor.getByText("It's yours!").waitFor();
    await noor.getByRole("link", { name: "Open your purchase" }).click();
    await noor.waitForURL(DEAL_URL);

    await sam.goto(`${server.url}/items/${item.id}`);
    await sam.getByText(/Sold to Noor's Attic\. Next step/).waitFor();
    await sam.getByRole("link", { name: "Open the sale" }).click();
    await sam.getByText(/Next step: send the item/).waitFor();
    await sam.locator(".timeline").getByText("Hi Sam! Could you post it to Leeds?").waitFor();
  });

  it("when the hold runs out the deal says the reservation ended and offers to buy again", async () => {
    const seller = await signUp(shortHold.url, "seller", { displayName: "Rick's Bikes" });
    const bike = await listItem(shortHold.url, seller, { title: "Vintage road bike" });
    const page = (await openPage(browser, { width: 1280, height: 860 }, dialogs)).page;
    await signInAs(page, shortHold.url, await signUp(shortHold.url, "buyer", { displayName: "Omar" }));
    await page.goto(`${shortHold.url}/items/${bike.id}`);
    await page.getByRole("button", { name: "Buy now" }).click();
    await page.waitForURL(DEAL_URL);
    const first = page.url();
    await page.getByRole("heading", { name: "Reserved for you" }).waitFor();
    await page.getByText("Reservation ended", { exact: true }).first().waitFor({ timeout: 20_000 });
    await page
      .getByText(/not paid in time/)
      .first()
      .waitFor();
    expect(await page.getByLabel("Card number").count()).toBe(0);
    await screenshot(page, "deal-expired");

    await page.getByRole("button", { name: "Buy again" }).click();
    await eventually(async () => expect(page.url()).not.toBe(first));
    expect(page.url()).toMatch(DEAL_URL);
    await page.getByRole("heading", { name: "Reserved for you" }).waitFor();

    // The buyer may also let it go at once.
    await page.getByRole("button", { name: "Cancel and release the item" }).click();
    await page.getByText("You canceled this reservation.", { exact: false }).waitFor();
    await page.getByRole("button", { name: "Buy again" }).waitFor();
    await page.context().close();
  });

  it("a moderator sees deal threads live in the console, finds the deal in its list and reads it, with nothing to buy", async () => {
    const name = `mod-${Date.now().toString(36)}`;
    await server.app.services.auth.createUser({
      username: name,
      password: "moderator pass phrase",
      role: "moderator",
    });
    const { page } = await openPage(browser, { width: 1280, height: 860 }, dialogs);
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Username").fill(name);
    await page.getByLabel("Password").fill("moderator pass phrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Marketplace" }).waitFor();
    // The live stream carries deal threads too.
    await page.goto(`${server.url}/console`);
    await page.getByText("Live: every room").waitFor();
    await noor.getByLabel("Message").fill("Saturday morning suits me.");
    await noor.getByRole("button", { name: "Send" }).click();
    const row = page.locator(".stream-row", { hasText: "Saturday morning suits me." });
    await row.getByRole("link", { name: "Private deal thread" }).waitFor();
    // And every deal is listed, each opening its page.
    await page.getByRole("link", { name: "Deals", exact: true }).click();
    await page.locator(".deal-row", { hasText: "Oak side table" }).click();
    await page.waitForURL(DEAL_URL);
    await page.getByText(/Noor's Attic\s*buys from\s*Sam's Workshop/).waitFor();
    await page.locator(".timeline").getByText("Hi Sam! Could you post it to Leeds?").waitFor();
    await page.locator(".timeline").getByText("Saturday morning suits me.").waitFor();
    expect(await page.locator(".deal-actions button").count()).toBe(0);
    expect(await page.getByLabel("Card number").count()).toBe(0);
    await page.context().close();
  });

  it("someone else opening the deal's address is told it is not theirs, not shown a broken page", async () => {
    await bea.goto(dealUrl);
    await bea.getByRole("alert").getByText("This deal does not exist, or it is not yours to see.").waitFor();
    expect(await bea.locator(".timeline").count()).toBe(0);
    await bea.getByRole("link", { name: "Your purchases" }).click();
    await bea.getByRole("heading", { name: "My purchases" }).waitFor();
  });

  it("a buyer starts selling in one click and keeps their session", async () => {
    await bea.getByRole("button", { name: "Start selling" }).click();
    await bea.getByRole("heading", { name: "List an item" }).waitFor();
    await bea.reload();
    await bea.getByRole("heading", { name: "List an item" }).waitFor();
    await bea.getByRole("link", { name: "My sales" }).waitFor();
    expect(await bea.getByRole("button", { name: "Start selling" }).count()).toBe(0);
  });

  it("fits a phone: the deal page and the lists, with the composer at the bottom of the thread", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      page.setDefaultTimeout(10_000);
      await signInAs(page, server.url, samSession);
      const deals = page.getByRole("link", { name: "My purchases and sales" });
      const sales = page.getByRole("link", { name: "Sales", exact: true });
      await deals.click();
      await sales.click();
      for (const control of [deals, sales, page.locator(".deal-row-link").first()]) {
        expect((await control.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
      }
      await page.locator(".deal-row", { hasText: "Oak side table" }).click();
      await page.waitForURL(DEAL_URL);
      await page.getByLabel("Message").waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(
        (await page.getByRole("button", { name: "Send" }).boundingBox())?.height ?? 0,
      ).toBeGreaterThanOrEqual(44);
      // The composer is the last thing in the thread's card.
      const [thread, composer] = await Promise.all([
        page.locator(".chat").boundingBox(),
        page.locator(".composer").boundingBox(),
      ]);
      expect(Math.abs(thread!.y + thread!.height - (composer!.y + composer!.height))).toBeLessThan(2);
      await screenshot(page, "phone-deal", { fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
