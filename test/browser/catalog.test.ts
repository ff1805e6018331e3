import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listItem, type Session, signUp, uniqueName } from "../factories.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/sockets.js";
import { buildClient, drawPicture, launchChromium, openPage, PHONE, screenshot } from "./browser.js";

/**
 * Open browsing in a real browser: a signed-out visitor finds an item by category and a misspelt word,
 * opens it, signs up from there and comes back to it; filters live in the URL; hearts, saved searches,
 * a seller's page and "My listings".
 */
describe("the catalog in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let clientDir: string;
  let visitor: Page;
  let seller: Session;
  let table: Item;
  const dialogs: string[] = [];
  const visitorName = uniqueName("vic");

  beforeAll(async () => {
    [clientDir, browser] = await Promise.all([buildClient(), launchChromium()]);
    server = await startServer({ clientDir });
    ({ page: visitor } = await openPage(browser, { width: 1280, height: 820 }, dialogs));
    seller = await signUp(server.url, "seller", { displayName: "Noor's Attic" });
    await server.db.query("update users set bio = $2, location_city = 'Lyon' where id = $1", [
      seller.user.id,
      "Old furniture, restored by hand.",
    ]);
    const upload = async (hue: number) => {
      const response = await fetch(`${server.url}/api/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${seller.token}`, "content-type": "image/png" },
        body: new Uint8Array(await drawPicture(visitor, hue)),
      });
      return ((await response.json()) as { url: string }).url;
    };
    await visitor.goto(`${server.url}/api/health`);
    const photos = [await upload(30), await upload(120)];
    const list = (fields: Parameters<typeof listItem>[2]) => listItem(server.url, seller, fields);
    table = await list({
      title: "Oak dining table",
      description: "Seats six, solid oak, a few marks.",
      price: { amount: 32_000, currency: "usd" },
      images: photos,
      category: "furniture/tables",
      condition: "good",
      tags: ["oak", "dining"],
      specs: [["Width", "180 cm"]],
      location: { city: "Lyon", country: "France" },
    });
    await list({
      title: "Walnut coffee stand",
      description: "Low, round, mid-century.",
      price: { amount: 15_000, currency: "usd" },
      category: "furniture/tables",
      condition: "like_new",
    });
    await list({
      title: "Table lamp",
      description: "Brass.",
      price: { amount: 4500, currency: "usd" },
      category: "home/lighting",
      condition: "like_new",
    });
    await list({
      title: "Kitchen chairs (pair)",
      description: "Go with any table.",
      price: { amount: 9000, currency: "usd" },
      category: "furniture/chairs",
      condition: "fair",
    });
    await list({
      title: "Road bicycle",
      description: "Steel, 56 cm.",
      price: { amount: 42_000, currency: "usd" },
      category: "sports/bicycles",
      condition: "good",
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("a signed-out visitor finds an item by category and a misspelt word; the filters are in the URL", async () => {
    await visitor.goto(server.url);
    await visitor.getByRole("heading", { name: "Marketplace" }).waitFor();
    await visitor.getByRole("link", { name: /Road bicycle/ }).waitFor();
    await visitor.getByLabel("Category").selectOption("furniture/tables");
    await visitor.getByLabel("Search").fill("tabel");
    const grid = visitor.getByRole("list", { name: "Items" });
    await eventually(async () =>
      expect(await grid.getByRole("link").allTextContents()).toEqual([
        expect.stringContaining("Oak dining table"),
      ]),
    );
    const url = new URL(visitor.url());
    expect(url.searchParams.get("category")).toBe("furniture/tables");
    expect(url.searchParams.get("q")).toBe("tabel");
    await screenshot(visitor, "catalog-search");

    // The address is the search: a reload, or the link sent to a friend, shows the same.
    await visitor.reload();
    await eventually(async () =>
      expect(await grid.getByRole("link").allTextContents()).toEqual([
        expect.stringContaining("Oak dining table"),
      ]),
    );
    expect(await visitor.getByLabel("Search").inputValue()).toBe("tabel");
    expect(await visitor.getByLabel("Category").inputValue()).toBe("furniture/tables");
  });

  it("opens the item signed out: details, photos, the room's history, a real tab title", async () => {
    await visitor.getByRole("link", { name: /Oak dining table/ }).click();
    await visitor.getByRole("heading", { name: "Oak dining table" }).waitFor();
    await eventually(async () => expect(await visitor.title()).toBe("Oak dining table · Parley"));
    await visitor.getByText("Good", { exact: true }).waitFor();
    await visitor.getByText("Lyon, France").waitFor();
    expect(await visitor.getByRole("list", { name: "Photos" }).getByRole("button").count()).toBe(2);
    await visitor.getByRole("button", { name: "Sign in to chat" }).waitFor();
    expect(await visitor.getByLabel("Message").count()).toBe(0);
    await screenshot(visitor, "catalog-item-signed-out");
  });

  it("signs up at the first action and comes back to the item, where they can talk", async () => {
    await visitor.getByRole("button", { name: "Sign in to chat" }).click();
    await visitor.getByRole("button", { name: "Create an account" }).click();
    await visitor.getByLabel("Username").fill(visitorName);
    await visitor.getByLabel("Password").fill("correct horse battery");
    await visitor.getByRole("radiogroup", { name: "Role" }).getByLabel("Buyer").check();
    await visitor.getByRole("button", { name: "Sign up" }).click();
    await visitor.getByRole("heading", { name: "Oak dining table" }).waitFor();
    expect(new URL(visitor.url()).pathname).toBe(`/items/${table.id}`);
    await visitor.getByLabel("Message").fill("Is the table still available?");
    await visitor.getByRole("button", { name: "Send" }).click();
    await visitor.locator(".timeline .message").getByText("Is the table still available?").waitFor();
  });

  it("keeps a favourite and a saved search on the Saved page", async () => {
    await visitor.getByRole("button", { name: "Save Oak dining table" }).click();
    await visitor.getByRole("button", { name: "Remove Oak dining table from saved items" }).waitFor();
    await visitor.goto(`${server.url}/?category=furniture&condition=good,fair`);
    await eventually(async () =>
      expect(await visitor.getByRole("list", { name: "Items" }).getByRole("link").count()).toBe(2),
    );
    await visitor.getByRole("button", { name: "Save this search" }).click();
    await visitor.getByText(/Saved "Furniture"/).waitFor();
    await visitor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Saved" }).click();
    await visitor.getByRole("heading", { name: "Saved", exact: true }).waitFor();
    await visitor
      .getByRole("list", { name: "Saved items" })
      .getByRole("link", { name: /Oak dining table/ })
      .waitFor();
    await visitor.getByRole("link", { name: "Furniture" }).waitFor();
    await screenshot(visitor, "catalog-saved");
    await visitor.getByRole("link", { name: "Furniture" }).click();
    await eventually(async () =>
      expect(new URL(visitor.url()).searchParams.get("condition")).toBe("good,fair"),
    );
  });

  it("edits their profile, which their page shows", async () => {
    // The first load fails (the network drops it): the page says so and offers to try again.
    let offline = true;
    await visitor.route("**/api/me/profile", (route) => (offline ? route.abort() : route.continue()));
    await visitor
      .getByRole("banner")
      .getByRole("link", { name: new RegExp(visitorName) })
      .click();
    await visitor.getByRole("heading", { name: "Your profile" }).waitFor();
    await visitor.getByRole("alert").getByText("Could not load your profile.").waitFor();
    expect(await visitor.getByLabel("About you").count()).toBe(0);
    await screenshot(visitor, "profile-load-failed");
    offline = false;
    await visitor.getByRole("button", { name: "Try again" }).click();
    await visitor.getByLabel("About you").fill("Looking for oak furniture.");
    await visitor.getByLabel("City").fill("Lyon");
    await visitor.getByLabel("Email").fill("not an email");
    await visitor.getByRole("button", { name: "Save profile" }).click();
    await visitor.getByText("Enter an email address like name@example.com").waitFor();
    await visitor.getByLabel("Email").fill("vic@example.com");
    await visitor.getByRole("button", { name: "Save profile" }).click();
    await visitor.getByText("Profile saved.").waitFor();
    await visitor.getByRole("link", { name: "your page" }).click();
    await visitor.getByText("Looking for oak furniture.").waitFor();
    expect(await visitor.getByText("vic@example.com").count()).toBe(0);
  });

  it("shows the seller's page and the seller's listings with their rooms; withdraw and relist", async () => {
    await visitor.goto(`${server.url}/items/${table.id}`);
    await visitor.getByRole("link", { name: "Noor's Attic" }).click();
    await visitor.getByRole("heading", { name: "Noor's Attic" }).waitFor();
    await visitor.getByText("Old furniture, restored by hand.").waitFor();
    await visitor
      .getByRole("list", { name: "Their items" })
      .getByRole("link", { name: /Road bicycle/ })
      .waitFor();
    await screenshot(visitor, "catalog-seller");

    const { page: sellerPage, context } = await openPage(browser, { width: 1280, height: 820 }, dialogs);
    try {
      await sellerPage.goto(`${server.url}/signin`);
      await sellerPage.evaluate(
        (session) => localStorage.setItem("parley.session", JSON.stringify(session)),
        seller,
      );
      await sellerPage.goto(`${server.url}/me/listings`);
      await sellerPage.getByRole("heading", { name: "My listings" }).waitFor();
      const row = sellerPage.locator(".listing-row", { hasText: "Oak dining table" });
      await row.getByText("1 person in the room · 1 message").waitFor();
      await screenshot(sellerPage, "catalog-my-listings");
      await row.getByRole("button", { name: "Withdraw" }).click();
      await row.getByText("Withdrawn").waitFor();
      await row.getByRole("button", { name: "Relist" }).click();
      await row.getByRole("button", { name: "Withdraw" }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("fits a phone screen, signed out", async () => {
    const phone = await browser.newContext(PHONE);
    try {
      const page = await phone.newPage();
      await page.goto(`${server.url}/?category=furniture`);
      await page.getByRole("link", { name: /Oak dining table/ }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "phone-catalog");
      await page.goto(`${server.url}/items/${table.id}`);
      await page.getByRole("button", { name: "Sign in to chat" }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "phone-catalog-item");
    } finally {
      await phone.close();
    }
    expect(dialogs).toEqual([]);
  });
});
