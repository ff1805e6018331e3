import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp } from "../factories.js";
import { buyAndPay, completeDeal } from "../helpers/orders.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { buildClient, launchChromium, openPage, PHONE, screenshot, signInAs } from "./browser.js";

/**
 * After an order completes, both parties review it in the browser: the first review stays hidden (the
 * form says until when), the second publishes both; the seller's page then shows the reviews and the
 * rating, the item page the average, and My sales the balance that the completed sale made available.
 */
describe("reviews and the balance in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let buyerPage: Page;
  let sellerPage: Page;
  const dialogs: string[] = [];
  let seller: Session;
  let buyer: Session;
  let item: Item;
  let dealUrl = "";

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir, env: { MARKETPLACE_FEE_BPS: "500" } });
    const viewport = { width: 1280, height: 860 };
    ({ page: buyerPage } = await openPage(browser, viewport, dialogs));
    ({ page: sellerPage } = await openPage(browser, viewport, dialogs));
    [seller, buyer] = await Promise.all([
      signUp(server.url, "seller", { displayName: "Sam's Workshop" }),
      signUp(server.url, "buyer", { displayName: "Bea" }),
    ]);
    item = await listItem(server.url, seller, {
      title: "Walnut bookshelf",
      description: "Five shelves, oiled walnut.",
      price: { amount: 12_000, currency: "usd" },
    });
    const deal = await buyAndPay(server.url, buyer, item.id);
    await completeDeal(server.url, buyer, deal.id);
    dealUrl = `${server.url}/deals/${deal.id}`;
    await signInAs(buyerPage, server.url, buyer);
    await signInAs(sellerPage, server.url, seller);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("the buyer's review stays hidden, saying until when", async () => {
    await buyerPage.goto(dealUrl);
    const form = buyerPage.locator(".review-form");
    await form.waitFor();
    expect(await form.textContent()).toMatch(/stays hidden until Sam's Workshop reviews too, or until/);
    await buyerPage.getByRole("button", { name: "Send review" }).click();
    await buyerPage.getByText("Choose a rating from 1 to 5 stars.").waitFor();
    await buyerPage.getByLabel("4 stars").check({ force: true });
    await buyerPage.getByLabel("Your review", { exact: true }).fill("Solid shelf, well packed. Thanks Sam!");
    await screenshot(buyerPage, "review-form", { fullPage: true });
    await buyerPage.getByRole("button", { name: "Send review" }).click();
    await buyerPage.getByText("Thanks! Your review is hidden until Sam's Workshop reviews too").waitFor();
    expect(await buyerPage.locator(".review").textContent()).toContain("hidden for now");
    await screenshot(buyerPage, "review-hidden", { fullPage: true });
  });

  it("the seller does not see it until they review; then both are shown", async () => {
    await sellerPage.goto(dealUrl);
    await sellerPage.locator(".review-form").waitFor();
    expect(await sellerPage.locator(".review").count()).toBe(0);
    await sellerPage.getByLabel("5 stars").check({ force: true });
    await sellerPage.getByLabel("Your review", { exact: true }).fill("Paid at once, friendly pickup.");
    await sellerPage.getByRole("button", { name: "Send review" }).click();
    await sellerPage.locator(".review").nth(1).waitFor();
    expect(await sellerPage.locator(".review-form").count()).toBe(0);
    expect(await sellerPage.locator(".deal-reviews").textContent()).toContain("Solid shelf, well packed.");
    // The buyer's open page follows the thread: the seller's review appears without a reload.
    await buyerPage.locator(".review").nth(1).waitFor();
    await buyerPage.locator(".review-card", { hasText: "Both reviews are published" }).waitFor();
    expect(await buyerPage.locator(".deal-reviews").textContent()).toContain(
      "Paid at once, friendly pickup.",
    );
  });

  it("the seller's page shows the rating and the review; the item page the average", async () => {
    await buyerPage.goto(`${server.url}/u/${seller.user.username}`);
    await buyerPage.getByTestId("seller-rating").getByText("★ 4.0 (1 review)").waitFor();
    const review = buyerPage.locator(".review", { hasText: "Solid shelf, well packed." });
    await review.waitFor();
    expect(await review.textContent()).toContain(`@${buyer.user.username}`);
    await screenshot(buyerPage, "seller-reviews", { fullPage: true });
    await buyerPage.goto(`${server.url}/items/${item.id}`);
    await buyerPage.locator(".seller-rating", { hasText: "★ 4.0 (1 review)" }).waitFor();
  });

  it("My sales shows the balance: the completed sale, less the 5% fee, is available", async () => {
    await sellerPage.goto(`${server.url}/sales`);
    await sellerPage.getByTestId("balance-available").getByText("$114.00").waitFor();
    expect(await sellerPage.getByTestId("balance-pending").textContent()).toBe("$0.00");
    await sellerPage.getByText("Entries").click();
    await sellerPage.locator(".ledger li").first().waitFor();
    expect(await sellerPage.locator(".ledger li").count()).toBe(3);
    await screenshot(sellerPage, "balance", { fullPage: true });
  });

  it("fits a phone: the seller's page with its reviews, the deal's reviews and the balance", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      page.setDefaultTimeout(10_000);
      await signInAs(page, server.url, seller);
      for (const [path, ready, name] of [
        [`/u/${seller.user.username}`, ".review", "phone-seller-reviews"],
        [new URL(dealUrl).pathname, ".deal-reviews .review", "phone-deal-reviews"],
        ["/sales", ".balance", "phone-balance"],
      ] as const) {
        await page.goto(`${server.url}${path}`);
        await page.locator(ready).first().waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await screenshot(page, name, { fullPage: true });
      }
    } finally {
      await phone.close();
    }
    expect(dialogs).toEqual([]);
  });
});
