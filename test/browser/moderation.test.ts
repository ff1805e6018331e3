import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import type { AuthResponse } from "../../shared/users.js";
import { listItem, newClientMessageId, type Session, signUp, uniqueName } from "../factories.js";
import { call } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { connect, eventually, requestOk } from "../helpers/sockets.js";
import {
  buildClient,
  launchChromium,
  openPage,
  PHONE,
  screenshot,
  signUpInPage,
  waitForCount,
} from "./browser.js";

/**
 * Moderation in a real browser: a buyer reports a message, a moderator finds it in the queue with its
 * neighbours, hides it, and the buyer's page loses its text live; the moderator restores it from the room
 * and the buyer reads it again. A non-moderator gets no console.
 */
describe("moderation in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let buyer: Page;
  let mod: Page;
  let seller: Session;
  let item: Item;
  const dialogs: string[] = [];
  const modName = uniqueName("mod");
  const modPassword = "moderator pass phrase";
  const buyerName = uniqueName("bea");
  const rude = "You are all idiots, and this bike is stolen <b>lol</b>";
  const say = async (who: Session, itemId: string, text: string) => {
    const socket = await connect(server.url, who.token);
    try {
      await requestOk(socket, "message:send", { itemId, text, clientMessageId: newClientMessageId() });
    } finally {
      socket.close();
    }
  };

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    const viewport = { width: 1280, height: 860 };
    ({ page: buyer } = await openPage(browser, viewport, dialogs));
    ({ page: mod } = await openPage(browser, viewport, dialogs));
    // Moderators are created by an operator, never self-registered.
    await server.app.services.auth.createUser({
      username: modName,
      password: modPassword,
      role: "moderator",
    });

    seller = await signUp(server.url, "seller", { displayName: "Rick's Bikes" });
    const other = await signUp(server.url, "seller", { displayName: "Noor's Attic" });
    const chatty = await signUp(server.url, "buyer", { displayName: "Omar" });
    const lamp = await listItem(server.url, other, {
      title: "Mid-century desk lamp",
      price: { amount: 4500, currency: "usd" },
    });
    await say(chatty, lamp.id, "Does the lamp take a standard bulb?");
    await say(other, lamp.id, "Yes, E27. I can include one.");
    item = await listItem(server.url, seller, {
      title: "Steel touring bike",
      price: { amount: 32000, currency: "usd" },
    });
    await say(seller, item.id, "Welcome! Ask me anything about the bike.");
    await say(chatty, item.id, "What size is the frame?");
    await say(seller, item.id, rude);
    await say(seller, item.id, "Sorry, that was uncalled for. It's a 56 cm frame.");
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  const message = (page: Page, text: string) =>
    page.getByRole("list", { name: "Conversation" }).getByRole("listitem").filter({ hasText: text });

  it("a buyer reports a message (not their own) with a reason and gets a confirmation", async () => {
    await signUpInPage(buyer, server.url, buyerName, "Buyer");
    await buyer.getByRole("link", { name: /Steel touring bike/ }).click();
    await buyer.getByRole("heading", { name: "Steel touring bike" }).waitFor();
    await message(buyer, rude).waitFor();

    await buyer.getByLabel("Message").fill("Is the price negotiable?");
    await buyer.getByRole("button", { name: "Send" }).click();
    await message(buyer, "Is the price negotiable?").waitFor();
    expect(
      await message(buyer, "Is the price negotiable?").getByRole("button", { name: "Report" }).count(),
    ).toBe(0);
    // Nobody but moderators gets moderators' controls.
    expect(await buyer.getByRole("button", { name: "Hide" }).count()).toBe(0);

    await message(buyer, rude).getByRole("button", { name: "Report" }).click();
    const dialog = buyer.getByRole("dialog", { name: "Report this message" });
    await dialog.getByText(rude).waitFor();
    // An empty reason is refused before anything is sent.
    await dialog.getByRole("button", { name: "Send report" }).click();
    await dialog.getByRole("alert").filter({ hasText: "Give a reason" }).waitFor();
    await dialog.getByLabel("What is wrong with it?").fill("Insults the other buyers.");
    await dialog.getByRole("button", { name: "Send report" }).click();
    await buyer.getByRole("status").getByText("Your report was sent to the moderators").waitFor();
    await dialog.waitFor({ state: "detached" });
  });

  it("the moderator watches every room live, filtered by room and author", async () => {
    await mod.goto(`${server.url}/signin`);
    await mod.getByLabel("Username").fill(modName);
    await mod.getByLabel("Password").fill(modPassword);
    await mod.getByRole("button", { name: "Sign in" }).click();
    await mod.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Console" }).click();
    await mod.getByRole("heading", { name: "Moderation console" }).waitFor();
    const stream = mod.getByRole("list", { name: "Events from every room" });
    await stream.getByText("Does the lamp take a standard bulb?").waitFor();
    await stream.getByText(rude).waitFor();

    // Live: a message typed by the buyer now arrives in the console.
    await buyer.getByLabel("Message").fill("Could you send a photo of the gears?");
    await buyer.getByRole("button", { name: "Send" }).click();
    await stream.getByText("Could you send a photo of the gears?").waitFor();

    await mod.getByLabel("Author", { exact: true }).selectOption({ label: `${buyerName} (@${buyerName})` });
    await waitForCount(stream.getByRole("listitem"), 2);
    await mod.getByRole("button", { name: "Clear filters" }).click();
    await mod.getByLabel("Room", { exact: true }).selectOption({ label: "Mid-century desk lamp" });
    await waitForCount(stream.getByRole("listitem"), 3);
    expect(await stream.getByText(rude).count()).toBe(0);
    await mod.getByRole("button", { name: "Clear filters" }).click();
    await stream.getByText(rude).waitFor();
    await screenshot(mod, "console");
  });

  it("the moderator hides the reported message from the queue and the buyer's page redacts it live", async () => {
    await mod.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reports" }).click();
    const report = mod.getByRole("article").filter({ hasText: "Insults the other buyers." });
    await report.waitFor();
    // The reported message, with its neighbours.
    const context = report.getByRole("list", { name: "The reported message in context" });
    await context.getByText(rude).waitFor();
    await context.getByText("What size is the frame?").waitFor();
    await context.getByText("Sorry, that was uncalled for. It's a 56 cm frame.").waitFor();

    await report.getByRole("button", { name: "Hide message" }).click();
    const dialog = mod.getByRole("dialog", { name: "Hide this message" });
    await dialog.getByLabel(/Reason/).fill("Insults other people");
    await dialog.getByRole("button", { name: "Hide message" }).click();
    await mod.getByRole("status").getByText("Message hidden").waitFor();
    await report.getByText("Insults other people").first().waitFor();
    await report.getByRole("button", { name: "Restore message" }).waitFor();

    // The buyer never saw a refresh: the text leaves their page live.
    await eventually(async () => expect(await message(buyer, "hidden by a moderator").count()).toBe(1));
    expect(await buyer.content()).not.toContain("You are all idiots");
    expect(await buyer.getByText("You are all idiots").count()).toBe(0);
    await screenshot(mod, "reports");
  });

  it("a conflict is shown plainly: hiding an already hidden message answers 409", async () => {
    await mod.goto(`${server.url}/items/${item.id}`);
    const row = message(mod, rude);
    await row.waitFor();
    // Moderators see the original, marked hidden with the reason, and can restore it.
    await row.getByText("Insults other people").waitFor();
    await row.getByRole("button", { name: "Restore" }).waitFor();
    await screenshot(mod, "moderator-room");
    const seq = Number(await row.getAttribute("data-seq"));
    // Another moderator (here: the same one, in another tab) already acted: the server says 409.
    const status = await mod.evaluate(
      async ({ itemId, seq }) => {
        const { token } = JSON.parse(localStorage.getItem("parley.session") ?? "{}");
        const response = await fetch(`/api/moderation/items/${itemId}/events/${seq}/hide`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ reason: "twice" }),
        });
        return response.status;
      },
      { itemId: item.id, seq },
    );
    expect(status).toBe(409);
  });

  it("the moderator restores it from the room and the buyer reads it again", async () => {
    await message(mod, rude).getByRole("button", { name: "Restore" }).click();
    const dialog = mod.getByRole("dialog", { name: "Restore this message" });
    await dialog.getByLabel("Reason").fill("On review the seller apologised; keeping the record visible");
    await dialog.getByRole("button", { name: "Restore message" }).click();
    await mod.getByRole("status").getByText("Message restored").waitFor();
    await message(mod, rude).getByRole("button", { name: "Hide" }).waitFor();

    await message(buyer, rude).waitFor();
    expect(await message(buyer, "hidden by a moderator").count()).toBe(0);
    // Still live afterwards, and shown once.
    await waitForCount(message(buyer, rude), 1);
  });

  it("the moderator resolves the report and finds every action in the audit log", async () => {
    await mod.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Console" }).click();
    await mod.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reports" }).click();
    const report = mod.getByRole("article").filter({ hasText: "Insults the other buyers." });
    await report.getByRole("button", { name: "Resolve" }).click();
    const dialog = mod.getByRole("dialog", { name: "Resolve this report" });
    await dialog.getByLabel(/Resolution/).fill("Warned the seller; message restored after apology");
    await dialog.getByRole("button", { name: "Resolve report" }).click();
    await mod.getByText("No open reports").waitFor();
    await mod.getByRole("button", { name: "Resolved" }).click();
    await mod.getByRole("article").getByText("Warned the seller").waitFor();

    await mod.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" }).click();
    const rows = mod.getByRole("table").getByRole("row");
    await waitForCount(rows, 4); // header + resolve, restore, hide, newest first
    const actions = await rows.locator("td:nth-child(3)").allTextContents();
    expect(actions).toEqual(["Resolved a report", "Restored a message", "Hid a message"]);
    await screenshot(mod, "audit-log");
  });

  it("a non-moderator at the console address sees no console, and the API refuses them", async () => {
    await buyer.goto(`${server.url}/console/reports`);
    await buyer.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(await buyer.getByRole("heading", { name: "Moderation console" }).count()).toBe(0);
    expect(
      await buyer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Console" }).count(),
    ).toBe(0);
    const status = await buyer.evaluate(async () => {
      const { token } = JSON.parse(localStorage.getItem("parley.session") ?? "{}");
      const response = await fetch("/api/moderation/reports", {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status;
    });
    expect(status).toBe(403);
    expect(dialogs).toEqual([]);
  });

  it("the console fits a phone screen", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      await page.goto(`${server.url}/signin`);
      await page.getByLabel("Username").fill(modName);
      await page.getByLabel("Password").fill(modPassword);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "Console" }).click();
      await page.getByRole("list", { name: "Events from every room" }).getByText(rude).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reports" }).click();
      await page.getByRole("button", { name: "Resolved" }).click();
      await page.getByRole("article").first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "phone-console");
    } finally {
      await phone.close();
    }
  });

  it("tells a suspended user the moderator's reason, live and at sign-in; the console remembers after a reload", async () => {
    const moderator = (
      await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
        body: { username: modName, password: modPassword },
      })
    ).body;
    const victim = await signUp(server.url, "buyer", { displayName: "Spammy Sam" });
    await say(victim, item.id, "Cheap watches at my site!!!");
    // A moderator's word carries a badge and cannot be reported.
    await say(moderator, item.id, "Please keep to the bike, everyone.");
    const { page } = await openPage(browser, { width: 1280, height: 860 }, dialogs);
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Username").fill(victim.user.username);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Marketplace" }).waitFor();
    await page.goto(`${server.url}/items/${item.id}`);
    const modMessage = message(page, "Please keep to the bike");
    await modMessage.getByText("Moderator", { exact: true }).waitFor();
    expect(await modMessage.getByRole("button", { name: "Report" }).count()).toBe(0);
    await message(page, "What size is the frame?").getByRole("button", { name: "Report" }).waitFor();

    const reason = "Advertising another shop in three rooms";
    const suspended = await call(server.url, "POST", `/api/moderation/users/${victim.user.id}/suspend`, {
      token: moderator.token,
      body: { reason },
    });
    expect(suspended.status).toBe(200);
    // The open page ends its session with the reason, not "Your session ended".
    await page.getByText(reason, { exact: false }).waitFor();
    await page.getByText("If you think this is a mistake", { exact: false }).waitFor();
    expect(await page.getByText("Your session ended").count()).toBe(0);
    await screenshot(page, "suspended");
    // And so does a new sign-in.
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Username").fill(victim.user.username);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText(reason, { exact: false }).waitFor();
    await page.context().close();

    // The moderator's console, reloaded, still offers to reinstate them.
    await mod.goto(`${server.url}/items/${item.id}`);
    await message(mod, "Cheap watches").getByRole("button", { name: "Reinstate author" }).waitFor();
    const listed = await call<{ users: { id: string; suspendedReason: string }[] }>(
      server.url,
      "GET",
      "/api/moderation/users?suspended=true",
      { token: moderator.token },
    );
    expect(listed.body.users.map((u) => [u.id, u.suspendedReason])).toContainEqual([victim.user.id, reason]);
  });

  it("tells the seller of a removed item why, and closes its conversation", async () => {
    const moderator = (
      await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
        body: { username: modName, password: modPassword },
      })
    ).body;
    const fake = await listItem(server.url, seller, {
      title: "Designer handbag",
      price: { amount: 9900, currency: "usd" },
    });
    const reason = "Counterfeit goods are not allowed";
    const removed = await call(server.url, "POST", `/api/moderation/items/${fake.id}/remove`, {
      token: moderator.token,
      body: { reason },
    });
    expect(removed.status).toBe(200);
    const { page } = await openPage(browser, { width: 1280, height: 860 }, dialogs);
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Username").fill(seller.user.username);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Marketplace" }).waitFor();
    await page.goto(`${server.url}/items/${fake.id}`);
    await page
      .getByText(`The moderators removed your item. Their reason: “${reason}”`, { exact: false })
      .waitFor();
    const box = page.getByLabel("Message");
    expect(await box.isDisabled()).toBe(true);
    expect(await box.getAttribute("placeholder")).toContain(reason);
    await screenshot(page, "removed-item");

    // A mistyped link says so instead of retrying.
    await page.goto(`${server.url}/items/12345678-1234-0234-8234-123456789012`);
    await page.getByText("No such item.", { exact: false }).waitFor();
    await page.context().close();
  });
});
