import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../../shared/deals.js";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp } from "../factories.js";
import { call } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import {
  type ClientSocket,
  connect,
  eventually,
  joinItem,
  requestOk,
  sendMessage,
} from "../helpers/sockets.js";
import { buildClient, launchChromium, openPage, PHONE, screenshot, signInAs } from "./browser.js";

/**
 * The seller's bell counts live what happens while they look elsewhere (a buyer's message, an offer), the
 * tab title says it too; the notifications page opens one (it is read); the inbox lists the room and the
 * deal thread with unread counts, most recent first; the settings page shows the address and choices.
 */
describe("notifications in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let seller: Session;
  let buyer: Session;
  let item: Item;
  let page: Page;
  let buyerSocket: ClientSocket;
  const dialogs: string[] = [];

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    [seller, buyer] = await Promise.all([
      signUp(server.url, "seller", { displayName: "Noor" }),
      signUp(server.url, "buyer", { displayName: "Alice" }),
    ]);
    item = await listItem(server.url, seller, {
      title: "Walnut side table",
      price: { amount: 9_000, currency: "usd" },
    });
    buyerSocket = await connect(server.url, buyer.token);
    await joinItem(buyerSocket, item.id);
  }, 180_000);
  afterAll(async () => {
    buyerSocket?.close();
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  const bell = () => page.getByRole("link", { name: /^Notifications/ });

  it("the bell and the tab title count live; the notifications page opens one and reads it", async () => {
    ({ page } = await openPage(browser, { width: 1280, height: 900 }, dialogs));
    await signInAs(page, server.url, seller);
    await eventually(async () => expect(await bell().getAttribute("aria-label")).toBe("Notifications"));

    await sendMessage(buyerSocket, item.id, "Hello! Is the table solid walnut?");
    await eventually(async () =>
      expect(await bell().getAttribute("aria-label")).toBe("Notifications, 1 unread"),
    );
    expect(await page.title()).toMatch(/^\(1\) /);
    const offer = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: buyer.token,
      body: { amount: { amount: 7_000, currency: "usd" } },
    });
    expect(offer.status).toBe(201);
    await requestOk(buyerSocket, "message:send", {
      dealId: offer.body.deal.id,
      text: "I can pick it up on Saturday.",
      clientMessageId: randomUUID(),
    });
    await eventually(async () =>
      expect(await bell().getAttribute("aria-label")).toBe("Notifications, 3 unread"),
    );
    await screenshot(page, "notifications-bell");

    await bell().click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await page.getByText("New offer on “Walnut side table”").waitFor();
    await page.getByText("Alice: Hello! Is the table solid walnut?").waitFor();
    await screenshot(page, "notifications-page");

    await page.getByRole("button", { name: /New offer on “Walnut side table”/ }).click();
    await page.waitForURL(`**/deals/${offer.body.deal.id}`);
    // The deal's page reads both notifications that point at it (the offer and the thread's message).
    await eventually(async () =>
      expect(await bell().getAttribute("aria-label")).toBe("Notifications, 1 unread"),
    );
  });

  it("the inbox lists the room and the deal thread, most recent first, with unread counts", async () => {
    await page.getByRole("link", { name: "Inbox", exact: true }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    const rows = page.locator(".conversation-list .conversation");
    await eventually(async () => expect(await rows.count()).toBe(2));
    // The deal thread is newer (the message after the offer) and was read on its page; the room is not.
    expect(await rows.nth(0).textContent()).toMatch(/Deal.*Walnut side table/);
    expect(await rows.nth(0).textContent()).not.toMatch(/unread/);
    expect(await rows.nth(1).textContent()).toMatch(/Room.*Walnut side table.*1 unread/);
    await screenshot(page, "inbox");

    // Opening the room reads its notification: the bell follows, and so does the inbox.
    await rows.nth(1).click();
    await page.waitForURL(`**/items/${item.id}`);
    await eventually(async () => expect(await bell().getAttribute("aria-label")).toBe("Notifications"));
    // The room's read mark moves once its messages have been on screen a moment (debounced).
    await page.getByText("Hello! Is the table solid walnut?").waitFor();
    await eventually(async () => {
      const { body } = await call<{ conversations: { kind: string; unread: number }[] }>(
        server.url,
        "GET",
        "/api/me/conversations",
        { token: seller.token },
      );
      expect(body.conversations.find((c) => c.kind === "item")?.unread).toBe(0);
    });
    await page.goBack();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await eventually(async () => expect(await rows.nth(1).textContent()).not.toMatch(/unread/));
  });

  it("settings: the address, its verification state and per-type choices", async () => {
    await page.goto(`${server.url}/settings`);
    await page.getByRole("heading", { name: "Email settings" }).waitFor();
    await page.getByLabel("Email address").fill("noor@example.test");
    await page.getByRole("button", { name: "Save address" }).click();
    await page.getByText("noor@example.test is not verified yet").waitFor();
    const outbid = page.getByLabel("Outbid");
    expect(await outbid.isChecked()).toBe(true);
    await outbid.uncheck();
    await eventually(async () => {
      const prefs = await call<{ preferences: { email: Record<string, boolean> } }>(
        server.url,
        "GET",
        "/api/me/preferences",
        { token: seller.token },
      );
      expect(prefs.body.preferences.email["auction.outbid"]).toBe(false);
    });
    expect(await page.getByLabel("Messages in item rooms you joined").isChecked()).toBe(false);
    await screenshot(page, "email-settings", { fullPage: true });
  });

  it("fits a phone: bell, notifications and inbox at 390 px", async () => {
    const context = await browser.newContext(PHONE);
    const phone = await context.newPage();
    phone.setDefaultTimeout(10_000);
    await signInAs(phone, server.url, seller);
    const phoneBell = phone.getByRole("link", { name: /^Notifications/ });
    await eventually(async () => expect(await phoneBell.getAttribute("aria-label")).toBe("Notifications"));
    await screenshot(phone, "notifications-bell-phone");
    await phoneBell.click();
    await phone.getByRole("heading", { name: "Notifications" }).waitFor();
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(phone, "notifications-page-phone");
    await phone.getByRole("link", { name: "Inbox", exact: true }).click();
    await phone.locator(".conversation-list .conversation").first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(phone, "inbox-phone");
    await phone.goto(`${server.url}/settings`);
    await phone.getByRole("heading", { name: "Email settings" }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(phone, "email-settings-phone", { fullPage: true });
    await context.close();
    expect(dialogs).toEqual([]);
  });
});
