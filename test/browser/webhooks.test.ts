import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookEndpoint } from "../../shared/integrations.js";
import type { AuthResponse } from "../../shared/users.js";
import { listItem, type Session, signUp } from "../factories.js";
import { call } from "../helpers/http.js";
import { createModerator } from "../helpers/moderators.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { startReceiver } from "../helpers/webhook-receiver.js";
import { buildClient, launchChromium, openPage, PHONE, screenshot, signInAs } from "./browser.js";

/**
 * The console's Webhooks tab in a real browser: a moderator adds an endpoint and sees its secret once,
 * watches a delivery fail and give up, resends it once the receiver is fixed, and sees an endpoint that
 * answered 410 disabled. On a phone the page fits 390 px.
 */
describe("webhooks in the console, in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let page: Page;
  let moderator: AuthResponse;
  let seller: Session;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let gone: Awaited<ReturnType<typeof startReceiver>>;
  const dialogs: string[] = [];

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({
      clientDir,
      env: { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_SECONDS: "0.2" },
    });
    receiver = await startReceiver(() => ({ status: 500 }));
    gone = await startReceiver(() => ({ status: 410 }));
    moderator = await createModerator(server);
    seller = await signUp(server.url, "seller", { displayName: "Rick's Bikes" });
    ({ page } = await openPage(browser, { width: 1280, height: 900 }, dialogs));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    await gone?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  const endpointCard = (url: string) => page.getByRole("listitem").filter({ hasText: url }).first();

  it("a moderator adds an endpoint and sees its signing secret once", async () => {
    await signInAs(page, server.url, moderator);
    await page.goto(`${server.url}/console/webhooks`);
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    await page.getByText("No webhook endpoints yet.").waitFor();
    await page.getByLabel("Endpoint URL").fill(`${receiver.url}/parley`);
    await page.getByLabel("Event types").fill("item.*");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = page.getByRole("status").filter({ hasText: "Signing secret" });
    await secret.waitFor();
    expect(await secret.locator("code").textContent()).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await secret.getByRole("button", { name: "I have copied it" }).click();
    await secret.waitFor({ state: "detached" });
    await endpointCard(`${receiver.url}/parley`).getByText("Active").waitFor();
    // A second endpoint that will answer 410 Gone.
    await page.getByLabel("Endpoint URL").fill(`${gone.url}/old`);
    await page.getByLabel("Event types").fill("*");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await endpointCard(`${gone.url}/old`).waitFor();
    // A type that is not the feed's is refused with its reason.
    await page.getByLabel("Endpoint URL").fill(`${receiver.url}/other`);
    await page.getByLabel("Event types").fill("message.created");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByRole("alert").filter({ hasText: "Not feed event types: message.created" }).waitFor();
  });

  it("shows a delivery that gave up, resends it, and shows an endpoint disabled by 410", async () => {
    await listItem(server.url, seller, { title: "Steel touring bike" });
    // Two attempts (the first and one retry), both answered 500.
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
    const endpoints = (
      await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
        token: moderator.token,
      })
    ).body.endpoints;
    await expect
      .poll(async () => {
        const gone410 = (
          await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
            token: moderator.token,
          })
        ).body.endpoints.find((e) => e.url.startsWith(gone.url));
        return gone410?.disabledAt ?? null;
      })
      .not.toBeNull();
    expect(endpoints).toHaveLength(2);
    await page.reload();
    const card = endpointCard(`${receiver.url}/parley`);
    await card.getByText("Gave up").waitFor();
    await card.getByText("2 attempts: HTTP 500").waitFor();
    await endpointCard(`${gone.url}/old`)
      .getByText(/Disabled .*: The endpoint answered 410 Gone/)
      .waitFor();
    await screenshot(page, "console-webhooks", { fullPage: true });

    receiver.respond = () => ({ status: 200 });
    await card.getByRole("button", { name: "Resend" }).click();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(3);
    await expect
      .poll(
        async () => {
          await card.getByRole("button", { name: "Refresh" }).click();
          return card.getByText("Delivered").count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    await card.getByText("1 attempt: HTTP 200").waitFor();
    expect(dialogs).toEqual([]);
  });

  it("fits a phone's width", async () => {
    const phone = await browser.newContext(PHONE);
    const phonePage = await phone.newPage();
    phonePage.setDefaultTimeout(10_000);
    await signInAs(phonePage, server.url, moderator);
    await phonePage.goto(`${server.url}/console/webhooks`);
    await phonePage.getByText("Delivered").waitFor();
    const overflow = await phonePage.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    await screenshot(phonePage, "phone-console-webhooks", { fullPage: true });
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();
  });
});
