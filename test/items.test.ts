import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import type { Item, ItemPage } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { collect, connect, eventually, subscribeItems } from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
beforeAll(async () => {
  server = await startServer();
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterAll(() => server.close());

describe("creating and editing items", () => {
  it("lets a seller list an item, writing event 1 with its details in the same step", async () => {
    const item = await listItem(server.url, seller, {
      title: "Walnut desk",
      description: "Solid wood",
      price: { amount: 12_000, currency: "eur" },
      imageUrl: "https://example.com/desk.jpg",
    });
    expect(item).toMatchObject({
      title: "Walnut desk",
      price: { amount: 12_000, currency: "eur" },
      status: "available",
      lastSeq: 1,
      seller: { id: seller.user.id, username: seller.user.username, displayName: seller.user.displayName },
    });
    const { body } = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`, {
      token: buyer.token,
    });
    expect(body.events).toEqual([
      {
        itemId: item.id,
        seq: 1,
        type: "custom:item_details",
        author: {
          id: seller.user.id,
          username: seller.user.username,
          displayName: seller.user.displayName,
          role: "seller",
        },
        body: {
          title: "Walnut desk",
          description: "Solid wood",
          price: { amount: 12_000, currency: "eur" },
          imageUrl: "https://example.com/desk.jpg",
          // The catalog's fields (v2), at their defaults.
          images: ["https://example.com/desk.jpg"],
          category: null,
          condition: null,
          tags: [],
          specs: [],
          quantity: 1,
          location: {},
          shippingOptions: [],
          offers: { enabled: true },
        },
        createdAt: expect.any(String),
      },
    ]);
  });

  it("refuses a buyer (403) and an anonymous caller (401)", async () => {
    const body = { title: "x", description: "", price: { amount: 100, currency: "usd" } };
    const asBuyer = await call(server.url, "POST", "/api/items", { token: buyer.token, body });
    expect(asBuyer.status).toBe(403);
    expect(asBuyer.body).toMatchObject({ error: { code: "forbidden" } });
    expect((await call(server.url, "POST", "/api/items", { body })).status).toBe(401);
  });

  it("rejects float prices, unknown currencies and extra fields with field details", async () => {
    const bad = await call<{ error: { code: string; details: { path: string }[] } }>(
      server.url,
      "POST",
      "/api/items",
      {
        token: seller.token,
        body: { title: "", description: 5, price: { amount: 12.5, currency: "doge" }, secret: true },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_request");
    const paths = bad.body.error.details.map((detail) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(["title", "description", "price.amount", "price.currency"]));
  });

  it("lets the seller edit: the item changes, a new details event is appended, and everyone is told", async () => {
    const item = await listItem(server.url, seller);
    const watcher = await connect(server.url, buyer.token);
    await subscribeItems(watcher);
    const changes = collect(watcher, "items:changed");
    const edited = await call<{ item: Item }>(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: { amount: 1999, currency: "usd" }, title: "Vintage bicycle (price drop)" },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.item).toMatchObject({
      title: "Vintage bicycle (price drop)",
      description: item.description,
      price: { amount: 1999, currency: "usd" },
      lastSeq: 2,
    });
    const { body } = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${item.id}/events?after=1`,
      {
        token: buyer.token,
      },
    );
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({
      seq: 2,
      type: "custom:item_details",
      body: { title: "Vintage bicycle (price drop)" },
    });
    await eventually(() => expect(changes.map((change) => change.item.id)).toContain(item.id));
    watcher.close();
  });

  it("refuses edits by anyone but the item's seller", async () => {
    const item = await listItem(server.url, seller);
    const otherSeller = await signUp(server.url, "seller");
    for (const who of [otherSeller, buyer]) {
      const response = await call(server.url, "PATCH", `/api/items/${item.id}`, {
        token: who.token,
        body: { title: "Mine now" },
      });
      expect(response.status).toBe(403);
    }
    expect((await call<{ item: Item }>(server.url, "GET", `/api/items/${item.id}`)).body.item.title).toBe(
      item.title,
    );
  });

  it("answers 404 for an unknown item and 400 for a malformed id", async () => {
    expect((await call(server.url, "GET", "/api/items/4f1c2a8e-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
    expect((await call(server.url, "GET", "/api/items/not-a-uuid")).status).toBe(400);
    const events = await call(server.url, "GET", "/api/items/4f1c2a8e-0000-4000-8000-000000000000/events", {
      token: buyer.token,
    });
    expect(events.status).toBe(404);
  });

  it("lets anyone read events (rooms are public, v2 open browsing) and pages them with after and limit", async () => {
    const item = await listItem(server.url, seller);
    for (const title of ["b", "c", "d"]) {
      await call(server.url, "PATCH", `/api/items/${item.id}`, { token: seller.token, body: { title } });
    }
    const anonymous = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    const revoked = await call(server.url, "GET", `/api/items/${item.id}/events`, { token: "not-a-token" });
    expect(revoked.status).toBe(401);
    const page = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${item.id}/events?after=1&limit=2`,
      {
        token: buyer.token,
      },
    );
    expect(page.body.events.map((event) => event.seq)).toEqual([2, 3]);
    const tooMany = await call(server.url, "GET", `/api/items/${item.id}/events?limit=201`, {
      token: buyer.token,
    });
    expect(tooMany.status).toBe(400);
  });

  it("answers 413 for a body over 64 KB", async () => {
    const response = await call(server.url, "POST", "/api/items", {
      token: seller.token,
      body: { title: "big", description: "x".repeat(70 * 1024), price: { amount: 100, currency: "usd" } },
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: "payload_too_large" } });
  });
});

describe("browsing items", () => {
  let shop: Session;
  let listed: Item[];
  beforeAll(async () => {
    shop = await signUp(server.url, "seller");
    listed = [];
    const catalogue = [
      ["Red racing bike", "Carbon frame", 90_000],
      ["Blue city bike", "Basket included", 25_000],
      ["Oak bookshelf", "Five shelves, red oak", 8_000],
      ["Desk lamp", "Brass, warm light", 3_500],
      ["Kids bike", "Stabilisers", 4_000],
    ] as const;
    for (const [title, description, amount] of catalogue) {
      listed.push(
        await listItem(server.url, shop, { title, description, price: { amount, currency: "usd" } }),
      );
    }
  });

  const page = async (query: string) =>
    (await call<ItemPage>(server.url, "GET", `/api/items?sellerId=${shop.user.id}&${query}`)).body;

  it("lists newest first and paginates with a cursor until null, without repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const result: ItemPage = await page(`limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(result.items.length).toBeLessThanOrEqual(2);
      seen.push(...result.items.map((item) => item.id));
      cursor = result.nextCursor;
    } while (cursor);
    expect(seen).toEqual(listed.map((item) => item.id).reverse());
  });

  it("searches title and description by word prefix", async () => {
    expect((await page("q=bike")).items.map((item) => item.title)).toEqual([
      "Kids bike",
      "Blue city bike",
      "Red racing bike",
    ]);
    // Relevance is the default order of a search (v2 catalog): the title's "Red" above the description's.
    expect((await page("q=red")).items.map((item) => item.title)).toEqual([
      "Red racing bike",
      "Oak bookshelf",
    ]);
    expect((await page("q=red&sort=newest")).items.map((item) => item.title)).toEqual([
      "Oak bookshelf",
      "Red racing bike",
    ]);
    expect((await page("q=bik%20blu")).items.map((item) => item.title)).toEqual(["Blue city bike"]);
    expect((await page("q=%27%3B%20drop%20table%20items%3B--")).items).toEqual([]);
  });

  it("filters by price range and status", async () => {
    expect((await page("minPrice=4000&maxPrice=25000")).items.map((item) => item.price.amount)).toEqual([
      4000, 8000, 25_000,
    ]);
    expect((await page("status=sold")).items).toEqual([]);
    expect((await page("status=available")).items).toHaveLength(5);
    // A checkout reserves one: each status filter then sees exactly its own.
    const reserving = await signUp(server.url, "buyer");
    const lamp = listed.find((item) => item.title === "Desk lamp")!;
    const checkout = await call(server.url, "POST", `/api/items/${lamp.id}/checkout`, {
      token: reserving.token,
    });
    expect(checkout.status).toBe(201);
    expect((await page("status=reserved")).items.map((item) => item.id)).toEqual([lamp.id]);
    expect((await page("status=available")).items.map((item) => item.title)).not.toContain("Desk lamp");
    expect((await page("status=available")).items).toHaveLength(4);
    expect((await page("")).items).toHaveLength(5);
  });

  it("rejects bad filters with 400", async () => {
    for (const query of [
      "limit=0",
      "limit=101",
      "minPrice=-1",
      "status=removed",
      "cursor=abc",
      "sellerId=x",
      "maxPrice=1.5",
    ]) {
      expect((await call(server.url, "GET", `/api/items?${query}`)).status, query).toBe(400);
    }
  });
});
