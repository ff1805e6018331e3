import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

/** Builds the web app once into a fresh folder, as `npm run build` would. */
export async function buildClient(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), "parley-client-"));
  await run(
    path.join(root, "node_modules/.bin/vite"),
    ["build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
    {
      cwd: root,
    },
  );
  return outDir;
}

/** The system's Chromium, headless, with nothing phoning home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Screenshots go to `test-results/screenshots/`; with `UPDATE_SCREENSHOTS=1` they also refresh the
 * README's pictures in `docs/screenshots/` (kept out of ordinary runs so a test run leaves git clean).
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean; keepScroll?: boolean } = {},
): Promise<void> {
  const { keepScroll, ...rest } = options;
  if (!keepScroll) await page.evaluate(() => window.scrollTo(0, 0));
  const dirs = [path.join(root, "test-results/screenshots")];
  if (process.env.UPDATE_SCREENSHOTS) dirs.push(path.join(root, "docs/screenshots"));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`), animations: "disabled", ...rest });
  }
}

/** Waits until the locator matches exactly `count` elements. */
export async function waitForCount(locator: Locator, count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await locator.count();
    if (now === count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${locator}, found ${now}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Signs a new account up through the page, as a person would. */
export async function signUpInPage(page: Page, url: string, username: string, role: "Seller" | "Buyer") {
  await page.goto(`${url}/signin`);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("radiogroup", { name: "Role" }).getByLabel(role).check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("heading", { name: "Marketplace" }).waitFor();
}

/** A picture drawn in the page (no outside image service), as PNG bytes, for the upload. */
export async function drawPicture(page: Page, hue: number): Promise<Buffer> {
  const dataUrl = await page.evaluate((h) => {
    const canvas = document.createElement("canvas");
    canvas.width = 800;
    canvas.height = 600;
    const c = canvas.getContext("2d")!;
    const sky = c.createLinearGradient(0, 0, 0, 600);
    sky.addColorStop(0, `hsl(${h} 70% 88%)`);
    sky.addColorStop(1, `hsl(${h + 30} 60% 70%)`);
    c.fillStyle = sky;
    c.fillRect(0, 0, 800, 600);
    c.fillStyle = `hsl(${h + 180} 30% 35%)`;
    c.fillRect(0, 470, 800, 130);
    c.strokeStyle = "#1f2937";
    c.lineWidth = 14;
    for (const x of [250, 550]) {
      c.beginPath();
      c.arc(x, 400, 95, 0, Math.PI * 2);
      c.stroke();
    }
    c.strokeStyle = `hsl(${h + 200} 70% 40%)`;
    c.lineWidth = 16;
    c.beginPath();
    c.moveTo(250, 400);
    c.lineTo(370, 250);
    c.lineTo(520, 250);
    c.lineTo(550, 400);
    c.moveTo(370, 250);
    c.lineTo(420, 400);
    c.lineTo(520, 250);
    c.moveTo(250, 400);
    c.lineTo(420, 400);
    c.moveTo(350, 215);
    c.lineTo(400, 215);
    c.moveTo(520, 250);
    c.lineTo(510, 200);
    c.lineTo(560, 195);
    c.stroke();
    return canvas.toDataURL("image/png");
  }, hue);
  return Buffer.from(dataUrl.split(",")[1]!, "base64");
}

/**
 * A person's own browser window: a fresh context (no shared storage) and its page. Steps fail with
 * their own locator well inside a test's timeout; any dialog (an alert from injected script) is
 * recorded in `dialogs` and dismissed.
 */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
  dialogs: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page };
}

/** A phone's window: the width the layout must fit without scrolling sideways. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

/** Opens the app already signed in as `session` (an account made through the API), as after a reload. */
export async function signInAs(page: Page, url: string, session: { token: string; user: unknown }) {
  await page.goto(url);
  await page.evaluate((stored) => localStorage.setItem("parley.session", stored), JSON.stringify(session));
  await page.reload();
  await page.getByRole("heading", { name: "Marketplace" }).waitFor();
}
