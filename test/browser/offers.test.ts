import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../../shared/deals.js";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp } from "../factories.js";
import { call } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { buildClient, launchChromium, openPage, screenshot } from "./browser.js";

/**
 * Haggling in a real browser: two buyers offer, the seller sees both (best first) and counters one, that
 * buyer accepts and pays in the offer card; the other buyer's offer shows declined; a visitor in the room
 * sees "Sold" and never an amount of an offer.
 */
describe("offers in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let seller: Session;
  let alice: Session;
  let bob: Session;
  let item: Item;
  const pages: Record<string, Page> = {};
  const dialogs: string[] = [];

  async function pageAs(name: string, session: Session | null): Promise<Page> {
    const { page } = await openPage(browser, { width: 1280, height: 900 }, dialogs);
    if (session) {
      await page.addInitScript((stored) => {
        localStorage.setItem("parley.session", stored);
      }, JSON.stringify(session));
    }
    await page.goto(`${server.url}/items/${item.id}`);
    await page.getByRole("heading", { name: "Brass floor lamp" }).waitFor();
    pages[name] = page;
    return page;
  }

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    [seller, alice, bob] = await Promise.all([
      signUp(server.url, "seller", { displayName: "Noor" }),
      signUp(server.url, "buyer", { displayName: "Alice" }),
      signUp(server.url, "buyer", { displayName: "Bob" }),
    ]);
    item = await listItem(server.url, seller, {
      title: "Brass floor lamp",
      price: { amount: 12_000, currency: "eur" },
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("two buyers offer; the seller sees both, best first, and counters one", async () => {
    const bobPage = await pageAs("bob", bob);
    await bobPage.getByRole("button", { name: "Make an offer" }).click();
    await bobPage.getByLabel("Your offer").fill("60");
    await bobPage.getByRole("button", { name: "Send offer" }).click();
    await bobPage.getByText("Waiting for the seller").waitFor();

    const alicePage = await pageAs("alice", alice);
    await alicePage.getByRole("button", { name: "Make an offer" }).click();
    // A decimal comma, as many Europeans type it: 75,50 is €75.50.
    await alicePage.getByLabel("Your offer").fill("75,50");
    await alicePage.getByLabel("Message to the seller (optional)").fill("Could pick it up Saturday.");
    await alicePage.getByRole("button", { name: "Send offer" }).click();
    await alicePage.getByText("€75.50").waitFor();
    await alicePage.getByText("2 buyer offers left.").waitFor();

    const sellerPage = await pageAs("seller", seller);
    await sellerPage.getByRole("heading", { name: "Offers (2)" }).waitFor();
    const amounts = await sellerPage.locator(".offer-card .offer-amount").allTextContents();
    expect(amounts).toEqual(["€75.50", "€60.00"]);
    const aliceCard = sellerPage.getByRole("article", { name: "Offer by Alice" });
    await aliceCard.getByRole("button", { name: "Counter" }).click();
    // Outside the bounds: a clear refusal, nothing changes.
    await aliceCard.getByLabel("Your counter").fill("130");
    await aliceCard.getByRole("button", { name: "Send counter" }).click();
    await aliceCard
      .getByRole("alert")
      .getByText("Counter with more than €75.50 and less than €120.00")
      .waitFor();
    await aliceCard.getByLabel("Your counter").fill("95");
    await aliceCard.getByRole("button", { name: "Send counter" }).click();
    await aliceCard.getByText("Waiting for the buyer").waitFor();
    await screenshot(sellerPage, "offers-seller");
  });

  it("the buyer accepts the counter and pays; the other offer shows declined; the room shows Sold, no amount", async () => {
    const alicePage = pages.alice!;
    // The counter reaches Alice live.
    await alicePage.getByText("€95.00").waitFor();
    await alicePage.getByRole("button", { name: "Accept" }).click();
    await alicePage.getByRole("heading", { name: "Reserved for you" }).waitFor();
    await alicePage.getByText("Total €95.00").waitFor();
    await alicePage.getByLabel("Card number").fill("4242 4242 4242 4242");
    await alicePage.getByLabel("Expiry").fill("12 / 34");
    await alicePage.getByLabel("CVC").fill("123");
    await alicePage.getByRole("button", { name: "Pay" }).click();
    await alicePage.getByText("Paid", { exact: true }).waitFor();
    await screenshot(alicePage, "offers-paid");

    const bobPage = pages.bob!;
    await bobPage.reload();
    await bobPage.getByText("Declined", { exact: true }).waitFor();

    const visitor = await pageAs("visitor", null);
    await visitor.getByText("Sold", { exact: true }).first().waitFor();
    const text = (await visitor.locator("body").textContent()) ?? "";
    for (const amount of ["75.50", "95.00", "60.00", "75,50"]) expect(text).not.toContain(amount);
    expect(dialogs).toEqual([]);
  });

  it("on a phone, a buyer chooses units and delivery with an offer; the total counts both", async () => {
    const stock = await listItem(server.url, seller, {
      title: "Linen napkins",
      price: { amount: 1_000, currency: "eur" },
      quantity: 4,
      shippingOptions: [{ id: "post", name: "La Poste", cost: { amount: 600, currency: "eur" } }],
    });
    const { page } = await openPage(browser, { width: 390, height: 844 }, dialogs);
    await page.addInitScript((stored) => {
      localStorage.setItem("parley.session", stored);
    }, JSON.stringify(bob));
    await page.goto(`${server.url}/items/${stock.id}`);
    await page.getByRole("button", { name: "Make an offer" }).click();
    // The buy box asks the same (units, delivery): the offer's own form is the one filled in.
    const form = page.locator(".offer-form");
    await form.getByLabel("Your offer, per unit").fill("8");
    await form.getByLabel("How many").selectOption("3");
    await form.getByRole("radio", { name: /La Poste/ }).check();
    await form.getByLabel("Full name").fill("Bob Martin");
    await form.getByLabel("Street and number").fill("3 Quai Saint-Vincent");
    await form.getByLabel("City").fill("Lyon");
    await form.getByLabel("Postal code").fill("69001");
    await form.getByLabel("Country code (e.g. US, DE)").fill("FR");
    // 3 × €8.00 + €6.00, shown while typing; the server computes the deal's own.
    await form.getByText("Total €30.00 with shipping, if the seller accepts").waitFor();
    await screenshot(page, "offer-terms-phone", { fullPage: true });
    await page.getByRole("button", { name: "Send offer" }).click();
    await page.getByText("Waiting for the seller").waitFor();
    const { body } = await call<{ deals: Deal[] }>(server.url, "GET", `/api/items/${stock.id}/offers`, {
      token: seller.token,
    });
    expect(body.deals[0]).toMatchObject({
      quantity: 3,
      offer: { amount: { amount: 800, currency: "eur" } },
      shipping: { optionId: "post", cost: { amount: 600, currency: "eur" } },
    });
    expect(dialogs).toEqual([]);
  });
});
