import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, newClientMessageId, type Session, signUp } from "../factories.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { connect, requestOk } from "../helpers/sockets.js";
import { buildClient, launchChromium, openPage, PHONE, screenshot } from "./browser.js";

/**
 * What a person notices beyond the features: keyboard focus, photo descriptions, links and dates in the
 * chat, a phone's one scrolling area and finger-sized controls, and an honest sign-out.
 */
describe("details people notice, in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let seller: Session;
  let buyer: Session;
  let item: Item;
  const dialogs: string[] = [];
  const longTitle = "Hand-built oak bookshelf with five adjustable shelves and brass corner fittings";

  const say = async (who: Session, text: string) => {
    const socket = await connect(server.url, who.token);
    try {
      return (
        await requestOk<{ event: { seq: number } }>(socket, "message:send", {
          itemId: item.id,
          text,
          clientMessageId: newClientMessageId(),
        })
      ).event;
    } finally {
      socket.close();
    }
  };
  const signIn = async (page: import("playwright-core").Page, who: Session) => {
    await page.goto(`${server.url}/signin`);
    await page.getByLabel("Username").fill(who.user.username);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Marketplace" }).waitFor();
  };

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    seller = await signUp(server.url, "seller", { displayName: "Oak & Iron" });
    buyer = await signUp(server.url, "buyer", { displayName: "Priya" });
    const { url } = await fetch(`${server.url}/api/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${seller.token}`, "content-type": "image/png" },
      // A 1×1 PNG.
      body: Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
        "base64",
      ),
    }).then((response) => response.json() as Promise<{ url: string }>);
    item = await listItem(server.url, seller, { title: longTitle, imageUrl: url });
    await listItem(server.url, seller, { title: "Stool" });
    const old = await say(buyer, "Is the oak solid or veneer?");
    await server.db.query(
      "update events set created_at = now() - interval '3 days' where item_id = $1 and seq = $2",
      [item.id, old.seq],
    );
    await say(seller, "Solid oak. Photos of the joints: https://example.com/joints_(close-up). Enjoy!");
    await say(buyer, "javascript:alert(1) and <b>bold</b> stay text");
    for (let i = 1; i <= 14; i++) await say(i % 2 ? buyer : seller, `Question and answer number ${i}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("shows keyboard focus on item cards, describes photos, and says what Sign out does", async () => {
    const { page } = await openPage(browser, { width: 1280, height: 860 }, dialogs);
    await signIn(page, buyer);
    const card = page.locator(".item-card", { hasText: longTitle });
    await card.waitFor();
    const before = await card.evaluate((el) => getComputedStyle(el).boxShadow);
    await card.getByRole("link").focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    // The focus ring eases in (a 0.15 s transition): read it until it has moved, not at its first frame.
    await expect.poll(() => card.evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe(before);
    expect(await page.evaluate(() => document.activeElement?.closest(".item-card")?.textContent)).toContain(
      longTitle,
    );
    // The full title, on two lines, not cut to one.
    const title = card.locator(".item-card-title");
    const lines = await title.evaluate((el) =>
      Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight)),
    );
    expect(lines).toBe(2);
    expect(await card.getByRole("img", { name: longTitle }).count()).toBe(1);

    const signOut = page.getByRole("button", { name: "Sign out everywhere" });
    expect(await signOut.getAttribute("title")).toMatch(/every device/);
    await page.context().close();
  });

  it("makes chat addresses safe links and dates messages older than today", async () => {
    const { page } = await openPage(browser, { width: 1280, height: 860 }, dialogs);
    await signIn(page, buyer);
    await page.goto(`${server.url}/items/${item.id}`);
    const link = page.getByRole("link", { name: "https://example.com/joints_(close-up)" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe("https://example.com/joints_(close-up)");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await link.getAttribute("target")).toBe("_blank");
    const text = page.locator(".bubble", { hasText: "javascript:alert(1)" });
    expect(await text.locator("a").count()).toBe(0);
    expect(await text.textContent()).toBe("javascript:alert(1) and <b>bold</b> stay text");
    expect(await page.locator(".timeline b").count()).toBe(0);

    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const month = threeDaysAgo.toLocaleString("en-US", { month: "short" });
    const old = page.locator(".message", { hasText: "Is the oak solid" }).locator("time");
    expect(await old.textContent()).toContain(`${month} ${threeDaysAgo.getDate()}`);
    const today = page.locator(".message", { hasText: "Question and answer number 14" }).locator("time");
    expect(await today.textContent()).not.toContain(month);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it("on a phone: one scrolling area, the message box pinned to the bottom, every control 44 px", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      page.setDefaultTimeout(10_000);
      await signIn(page, buyer);
      // Two full lines of title in the grid.
      const title = page.locator(".item-card", { hasText: longTitle }).locator(".item-card-title");
      expect(
        await title.evaluate((el) => el.scrollHeight > el.clientHeight + 2 || el.clientHeight > 30),
      ).toBe(true);
      await page.goto(`${server.url}/items/${item.id}`);
      await page.getByText("Question and answer number 14").waitFor();

      const timeline = page.getByRole("list", { name: "Conversation" });
      // The conversation does not scroll by itself: the page does.
      expect(await timeline.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
      // Halfway down the conversation, the message box is at the bottom of the screen.
      await page.getByText("Question and answer number 5").scrollIntoViewIfNeeded();
      const box = await page.getByLabel("Message").boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeGreaterThan(844 - 90);
      expect(box!.y + box!.height).toBeLessThanOrEqual(844);
      await screenshot(page, "phone-chat", { keepScroll: true });

      // Every visible control is at least 44 px tall and wide.
      await page.evaluate(() => window.scrollTo(0, 0));
      const small = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>("button, select, input, textarea, header a, .back-link")]
          .filter((el) => el.offsetParent !== null && !el.classList.contains("sr-only"))
          .map((el) => ({ el, box: el.getBoundingClientRect() }))
          .filter(({ box }) => box.height < 44 || box.width < 44)
          .map(({ el, box }) => `${el.tagName} "${el.textContent?.trim() ?? ""}" ${box.width}×${box.height}`),
      );
      expect(small).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });
});
