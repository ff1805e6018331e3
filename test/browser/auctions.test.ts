import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, signUp } from "../factories.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { buildClient, launchChromium, openPage, screenshot, signInAs } from "./browser.js";

/**
 * An auction in a real browser: two bidders and a watcher in the item's room. Ana bids the suggested
 * amount; Ben outbids her with a higher maximum (she sees "Outbid" live, he "You're winning"); the bids
 * land within the soft close, so the end moves and the watcher sees it; "going once… going twice" near
 * the end; the result; Ben pays from the item page's "You won!" and the deal is paid.
 */
/** Clicks "Place bid" and waits for the answer: the bidder's standing, or a refusal, which fails with its words. */
async function placeBid(page: Page, standing: string): Promise<void> {
  await page.getByRole("button", { name: "Place bid" }).click();
  const refusal = page.locator(".auction-panel [role=alert]");
  await page.getByText(standing).or(refusal).first().waitFor({ timeout: 15_000 });
  expect(await refusal.allTextContents()).toEqual([]);
}

describe("an auction in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let ana: Page;
  let ben: Page;
  let wes: Page;
  const dialogs: string[] = [];
  let item: Item;

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    const viewport = { width: 1280, height: 900 };
    ({ page: ana } = await openPage(browser, viewport, dialogs));
    ({ page: ben } = await openPage(browser, viewport, dialogs));
    ({ page: wes } = await openPage(browser, viewport, dialogs));
    const seller = await signUp(server.url, "seller", { displayName: "Sam's Workshop" });
    await signInAs(ana, server.url, await signUp(server.url, "buyer", { displayName: "Ana" }));
    await signInAs(ben, server.url, await signUp(server.url, "buyer", { displayName: "Ben" }));
    await signInAs(wes, server.url, await signUp(server.url, "buyer", { displayName: "Wes" }));
    item = await listItem(server.url, seller, {
      title: "Brass desk lamp",
      price: { amount: 1_000, currency: "usd" },
      sale: {
        kind: "auction",
        startingBid: { amount: 1_000, currency: "usd" },
        endsAt: new Date(Date.now() + 25_000).toISOString(),
        softCloseSeconds: 12,
      } as never,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("two bidders and a watcher go through a soft-close extension to a paid win", async () => {
    for (const page of [ana, ben, wes]) {
      await page.goto(`${server.url}/items/${item.id}`);
      await page.getByRole("heading", { name: "Brass desk lamp" }).waitFor();
      await page.getByTestId("auction-price").getByText("$10.00").waitFor();
    }
    expect(await ana.getByLabel(/Your maximum bid/).inputValue()).toBe("10.00");

    // Wait for the soft close (the last 12 seconds), so the bids move the end.
    await ana.waitForTimeout(Math.max(0, Date.parse(item.auction!.endsAt) - Date.now() - 10_000));
    await placeBid(ana, "You're winning");
    // Ben's box suggests the next valid amount; he bids higher.
    await ben.getByTestId("auction-price").getByText("$10.00").waitFor();
    await ben.getByText(/Leading: /).waitFor();
    expect(await ben.getByLabel(/Your maximum bid/).inputValue()).toBe("10.50");
    await ben.getByLabel(/Your maximum bid/).fill("30");
    await placeBid(ben, "You're winning");
    await ben.getByText(/your maximum \$30\.00/).waitFor();
    await ana.getByText("Outbid").waitFor();
    await ana.getByTestId("auction-price").getByText("$10.50").waitFor();

    // The watcher saw both bids and the end move, in the room's timeline, interleaved with chat.
    await wes.getByTestId("auction-price").getByText("$10.50").waitFor();
    await wes.getByText(/^2 bids/).waitFor();
    await wes
      .locator(".timeline")
      .getByText(/leads at \$10\.50/)
      .waitFor();
    await wes.locator(".timeline").getByText("A late bid: the auction now ends later").first().waitFor();
    expect(await wes.locator(".bid-form").count()).toBe(1);
    await screenshot(wes, "auction-live", { fullPage: true });

    // The calls near the end: in the auction box, and as the last lines of the room's conversation.
    await wes
      .locator(".auction-panel")
      .getByText(/Going once/)
      .waitFor({ timeout: 15_000 });
    await wes.locator(".timeline").getByText("Going once…").waitFor();
    await wes.locator(".auction-panel").getByText("Going once… going twice…").waitFor({ timeout: 10_000 });
    await wes.locator(".timeline").getByText("Going twice…").waitFor();
    expect(await wes.locator(".timeline li").last().textContent()).toContain("Going twice…");
    await screenshot(wes, "auction-going");
    await wes.getByText(/Sold to .* for \$10\.50/).waitFor({ timeout: 15_000 });
    await wes
      .locator(".timeline")
      .getByText(/won at \$10\.50/)
      .waitFor();
    await ana.getByText("You were outbid").waitFor();
    // The calls end with the auction.
    expect(
      await wes
        .locator(".timeline")
        .getByText(/^Going (once|twice)…$/)
        .count(),
    ).toBe(0);

    await ben.getByRole("link", { name: "You won! Pay $10.50" }).click();
    await ben.getByLabel("Card number").fill("4242424242424242");
    await ben.getByRole("button", { name: "Pay" }).click();
    await ben.getByText("It's yours!").waitFor();
    await screenshot(ben, "auction-paid");
    await wes.getByText("Sold", { exact: true }).first().waitFor();
    expect(dialogs).toEqual([]);
  }, 90_000);
});
