import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Category } from "../shared/categories.js";
import type { ItemEvent } from "../shared/events.js";
import type { Item, ItemPage, SellerListing } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
beforeAll(async () => {
  server = await startServer();
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterAll(() => server.close());

const page = async (query: string) => {
  const { status, body } = await call<ItemPage>(server.url, "GET", `/api/items?${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
};
const titles = async (query: string) => (await page(query)).items.map((item) => item.title);

describe("categories", () => {
  it("serves the shipped tree to anyone: top levels with their subcategories", async () => {
    const { status, body } = await call<{ categories: Category[] }>(server.url, "GET", "/api/categories");
    expect(status).toBe(200);
    const ids = body.categories.map((category) => category.id);
    for (const top of [
      "furniture",
      "electronics",
      "clothing",
      "books",
      "sports",
      "home",
      "kids",
      "collectibles",
      "other",
    ]) {
      expect(body.categories).toContainEqual(expect.objectContaining({ id: top, parentId: null }));
    }
    expect(body.categories).toContainEqual({ id: "furniture/tables", name: "Tables", parentId: "furniture" });
    expect(new Set(ids).size).toBe(ids.length);
    for (const category of body.categories) {
      if (category.parentId) expect(ids).toContain(category.parentId);
    }
  });
});

describe("item fields", () => {
  const full = {
    title: "Oak dining table",
    description: "Seats six.",
    price: { amount: 30_000, currency: "eur" },
    images: ["/uploads/a.jpg", "https://example.com/b.jpg"],
    category: "furniture/tables",
    condition: "good",
    tags: ["Oak", "dining"],
    specs: [
      ["Width", "180 cm"],
      ["Wood", "Oak"],
    ],
    quantity: 2,
    location: { city: "Lyon", country: "France" },
    shippingOptions: [
      { id: "van", name: "Van delivery", cost: { amount: 4000, currency: "eur" }, regions: ["FR"] },
    ],
    offers: { enabled: true, minAmount: { amount: 25_000, currency: "eur" } },
  } as const;

  it("stores every catalog field, with imageUrl the first photo and every unit available", async () => {
    const { status, body } = await call<{ item: Item }>(server.url, "POST", "/api/items", {
      token: seller.token,
      body: full,
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.item).toMatchObject({
      ...full,
      tags: ["oak", "dining"],
      imageUrl: "/uploads/a.jpg",
      quantityAvailable: 2,
      withdrawnAt: null,
    });
    const read = await call<{ item: Item }>(server.url, "GET", `/api/items/${body.item.id}`);
    expect(read.body.item).toEqual(body.item);
    const events = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${body.item.id}/events`,
    );
    expect(events.body.events[0]!.body).toMatchObject({
      ...full,
      tags: ["oak", "dining"],
      imageUrl: "/uploads/a.jpg",
    });
  });

  it("keeps imageUrl and images together on edit; a v1 imageUrl edit replaces the cover only", async () => {
    const item = await listItem(server.url, seller, { images: ["/uploads/one.jpg", "/uploads/two.jpg"] });
    expect(item.imageUrl).toBe("/uploads/one.jpg");
    const reorder = await call<{ item: Item }>(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { images: ["/uploads/two.jpg", "/uploads/one.jpg"] },
    });
    expect(reorder.body.item).toMatchObject({
      imageUrl: "/uploads/two.jpg",
      images: ["/uploads/two.jpg", "/uploads/one.jpg"],
    });
    const cover = await call<{ item: Item }>(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { imageUrl: "/uploads/three.jpg" },
    });
    expect(cover.body.item.images).toEqual(["/uploads/three.jpg", "/uploads/one.jpg"]);
    const events = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`);
    expect(events.body.events.at(-1)!.body).toMatchObject({
      images: ["/uploads/three.jpg", "/uploads/one.jpg"],
    });
    const both = await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { imageUrl: "/uploads/x.jpg", images: ["/uploads/y.jpg"] },
    });
    expect(both.status).toBe(400);
  });

  it("refuses bad fields with a human message per field", async () => {
    const { status, body } = await call<{
      error: { code: string; details: { path: string; message: string }[] };
    }>(server.url, "POST", "/api/items", {
      token: seller.token,
      body: {
        title: "Chair",
        description: "",
        price: { amount: 1000, currency: "usd" },
        images: Array.from({ length: 11 }, (_, i) => `/uploads/${i}.jpg`),
        category: "spaceships",
        condition: "mint",
        tags: ["x".repeat(33)],
        quantity: 0,
      },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe("bad_request");
    const messages = Object.fromEntries(body.error.details.map((detail) => [detail.path, detail.message]));
    expect(messages).toMatchObject({
      images: "At most 10 photos",
      category: "Choose a category from the list",
      condition: "Choose a condition: new, like new, good, fair or for parts",
      "tags.0": "Keep each tag under 32 characters",
      quantity: "Quantity is at least 1",
    });
    const minAbovePrice = await call<{ error: { details: { path: string; message: string }[] } }>(
      server.url,
      "POST",
      "/api/items",
      {
        token: seller.token,
        body: {
          title: "Chair",
          description: "",
          price: { amount: 1000, currency: "usd" },
          offers: { enabled: true, minAmount: { amount: 2000, currency: "usd" } },
        },
      },
    );
    expect(minAbovePrice.status).toBe(400);
    expect(minAbovePrice.body.error.details).toEqual([
      { path: "offers.minAmount.amount", message: "The lowest offer you accept cannot be above the price" },
    ]);
  });
});

describe("search, filters, sort and facets", () => {
  let other: Session;
  beforeAll(async () => {
    other = await signUp(server.url, "seller");
    const list = (fields: Parameters<typeof listItem>[2]) => listItem(server.url, other, fields);
    // Listed in this order: newest last.
    await list({
      title: "Farmhouse table",
      description: "Pine, seats eight",
      price: { amount: 9000, currency: "usd" },
      category: "furniture/tables",
      condition: "fair",
    });
    await list({
      title: "Crème brûlée torch",
      description: "Kitchen blowtorch",
      price: { amount: 1500, currency: "usd" },
      category: "home/kitchen",
      condition: "new",
      tags: ["cooking"],
    });
    await list({
      title: "Folding chair",
      description: "Goes well with any table",
      price: { amount: 2000, currency: "usd" },
      category: "furniture/chairs",
      condition: "good",
    });
    await list({
      title: "Racing bicycle",
      description: "Carbon, 54 cm",
      price: { amount: 120_000, currency: "usd" },
      category: "sports/bicycles",
      condition: "like_new",
      tags: ["carbon"],
    });
    await list({
      title: "Garden tables",
      description: "Two metal tables",
      price: { amount: 5000, currency: "usd" },
      category: "home/garden",
      condition: "good",
    });
  });
  const mine = () => `sellerId=${other.user.id}`;

  it("matches plural and singular both ways", async () => {
    expect(await titles(`${mine()}&q=tables&sort=newest`)).toEqual([
      "Garden tables",
      "Folding chair",
      "Farmhouse table",
    ]);
    expect(await titles(`${mine()}&q=table&sort=newest`)).toEqual([
      "Garden tables",
      "Folding chair",
      "Farmhouse table",
    ]);
    expect(await titles(`${mine()}&q=bicycles`)).toEqual(["Racing bicycle"]);
  });

  it("forgives one typo in a word of five letters or more: missing, extra, wrong or swapped letters", async () => {
    for (const typo of ["bicyle", "bicycel", "bicyclle", "bicucle", "bciycle"]) {
      expect(await titles(`${mine()}&q=${typo}`), typo).toEqual(["Racing bicycle"]);
    }
    expect(await titles(`${mine()}&q=tqble&sort=newest`)).toEqual([
      "Garden tables",
      "Folding chair",
      "Farmhouse table",
    ]);
    // Two typos, or a typo in a short word, find nothing.
    expect(await titles(`${mine()}&q=bicuxle`)).toEqual([]);
    expect(await titles(`${mine()}&q=tble`)).toEqual([]);
    expect(await titles(`${mine()}&q=chiar`)).toEqual(["Folding chair"]);
  });

  it("ignores accents and case", async () => {
    expect(await titles(`${mine()}&q=creme%20BRULEE`)).toEqual(["Crème brûlée torch"]);
    expect(await titles(`${mine()}&q=crème`)).toEqual(["Crème brûlée torch"]);
  });

  it("ranks a title match above a description match by default, and sorts on request", async () => {
    expect(await titles(`${mine()}&q=table`)).toEqual(["Garden tables", "Farmhouse table", "Folding chair"]);
    expect(await titles(`${mine()}&sort=price_asc`)).toEqual([
      "Crème brûlée torch",
      "Folding chair",
      "Garden tables",
      "Farmhouse table",
      "Racing bicycle",
    ]);
    expect(await titles(`${mine()}&sort=price_desc&limit=2`)).toEqual(["Racing bicycle", "Farmhouse table"]);
  });

  it("pages every sort with its cursor, without repeats or gaps", async () => {
    for (const sort of ["newest", "price_asc", "price_desc", "relevance"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      const q = sort === "relevance" ? "&q=table" : "";
      do {
        const body: ItemPage = await page(
          `${mine()}&sort=${sort}${q}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...body.items.map((item) => item.title));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen, sort).toEqual(await titles(`${mine()}&sort=${sort}${q}`));
      expect(seen.length).toBe(sort === "relevance" ? 3 : 5);
    }
  });

  it("filters by category (with its subcategories), conditions, tag and sale", async () => {
    expect(await titles(`${mine()}&category=furniture`)).toEqual(["Folding chair", "Farmhouse table"]);
    expect(await titles(`${mine()}&category=furniture/tables`)).toEqual(["Farmhouse table"]);
    expect(await titles(`${mine()}&condition=new,like_new`)).toEqual([
      "Racing bicycle",
      "Crème brûlée torch",
    ]);
    expect(await titles(`${mine()}&tag=carbon`)).toEqual(["Racing bicycle"]);
    expect(await titles(`${mine()}&sale=fixed`)).toHaveLength(5);
    expect(await titles(`${mine()}&sale=auction`)).toEqual([]);
    expect(await titles(`${mine()}&category=furniture&q=tabel`)).toEqual([
      "Farmhouse table",
      "Folding chair",
    ]);
    for (const bad of ["category=spaceships", "condition=mint", "sale=swap", "sort=random", "cursor=zz"]) {
      expect((await call(server.url, "GET", `/api/items?${bad}`)).status, bad).toBe(400);
    }
  });

  it("counts facets per category (parents include their subcategories) and condition", async () => {
    const body = await page(`${mine()}&facets=true`);
    expect(body.facets).toEqual({
      category: {
        furniture: 2,
        "furniture/tables": 1,
        "furniture/chairs": 1,
        home: 2,
        "home/kitchen": 1,
        "home/garden": 1,
        sports: 1,
        "sports/bicycles": 1,
      },
      condition: { fair: 1, new: 1, good: 2, like_new: 1 },
    });
    const searched = await page(`${mine()}&facets=true&q=tables`);
    expect(searched.facets?.condition).toEqual({ fair: 1, good: 2 });
    expect((await page(mine())).facets).toBeUndefined();
  });

  it("treats hostile and huge searches as words", async () => {
    // Every word must match: no item has "drop".
    expect(await titles(`q=${encodeURIComponent("'; drop table items;--")}&${mine()}`)).toEqual([]);
    expect(await titles(`q=${encodeURIComponent("'; table;--")}&${mine()}&sort=newest`)).toEqual([
      "Garden tables",
      "Folding chair",
      "Farmhouse table",
    ]);
    expect(await titles(`q=${encodeURIComponent("a:* | ! & ( \\")}`)).toBeInstanceOf(Array);
    expect((await call(server.url, "GET", `/api/items?q=${"a".repeat(201)}`)).status).toBe(400);
  });
});

describe("my listings, withdraw and relist", () => {
  it("shows the seller every item with its room's people and messages; withdraw hides, relist restores", async () => {
    const owner = await signUp(server.url, "seller");
    const item = await listItem(server.url, owner, { title: "Withdrawable lamp" });
    const listings = await call<{ listings: SellerListing[] }>(server.url, "GET", "/api/me/items", {
      token: owner.token,
    });
    expect(listings.body.listings).toEqual([{ item, people: 0, messages: 0 }]);

    expect(
      (await call(server.url, "POST", `/api/items/${item.id}/withdraw`, { token: buyer.token })).status,
    ).toBe(403);
    const withdrawn = await call<{ item: Item }>(server.url, "POST", `/api/items/${item.id}/withdraw`, {
      token: owner.token,
    });
    expect(withdrawn.body.item).toMatchObject({ status: "removed", withdrawnAt: expect.any(String) });
    expect(await titles(`sellerId=${owner.user.id}`)).toEqual([]);
    const after = await call<{ listings: SellerListing[] }>(server.url, "GET", "/api/me/items", {
      token: owner.token,
    });
    expect(after.body.listings[0]!.item.status).toBe("removed");

    const relisted = await call<{ item: Item }>(server.url, "POST", `/api/items/${item.id}/relist`, {
      token: owner.token,
    });
    expect(relisted.body.item).toMatchObject({ status: "available", withdrawnAt: null });
    expect(await titles(`sellerId=${owner.user.id}`)).toEqual(["Withdrawable lamp"]);
    // Relisting needs a withdrawn item; anonymous callers get 401.
    expect(
      (await call(server.url, "POST", `/api/items/${item.id}/relist`, { token: owner.token })).status,
    ).toBe(409);
    expect((await call(server.url, "GET", "/api/me/items")).status).toBe(401);
  });
});
