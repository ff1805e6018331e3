import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/limits.js";
import { listItem, uniqueName } from "../factories.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { buildClient, launchChromium, openPage, signUpInPage } from "./browser.js";

/** A long conversation: the join brings the latest 200 events, scrolling to the top brings the rest. */
describe("a room with a long history, in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("shows the latest events first and pages older ones in when the reader scrolls up", async () => {
    const { page } = await openPage(browser, { width: 1280, height: 820 }, []);
    const username = uniqueName("reader");
    await signUpInPage(page, server.url, username, "Seller");
    const session = await server.app.services.auth.login({ username, password: "correct horse battery" });
    const { user } = session;
    const item = await listItem(server.url, session);
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          server.app.services.chat.send(user, {
            itemId: item.id,
            text: `line ${batch * 50 + i}`,
            clientMessageId: randomUUID(),
          }),
        ),
      );
    }
    await page.goto(`${server.url}/items/${item.id}`);
    const timeline = page.getByRole("list", { name: "Conversation" });
    await timeline.getByText("line 249", { exact: true }).waitFor();
    // Event 52 is the oldest of the latest 200 (251 events: the listing and 250 lines).
    expect(await timeline.getByText("line 50", { exact: true }).count()).toBe(1);
    expect(await timeline.getByText("line 49", { exact: true }).count()).toBe(0);
    expect(LIMITS.joinHistoryMax).toBe(200);

    await timeline.evaluate((element) => {
      element.scrollTop = 0;
      element.dispatchEvent(new Event("scroll"));
    });
    await timeline.getByText("line 0", { exact: true }).waitFor();
    expect(await timeline.getByText("line 49", { exact: true }).count()).toBe(1);
  }, 60_000);
});
