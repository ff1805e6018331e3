import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MATCH_SAVED_SEARCHES_SQL } from "../server/saved-searches/store.js";
import type { Item } from "../shared/items.js";
import type { OwnProfile, Profile } from "../shared/profiles.js";
import type { SavedSearch } from "../shared/saved-searches.js";
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

describe("profiles", () => {
  it("shows anyone a user's profile, rating and sales, never their email", async () => {
    const { status, body } = await call<{ user: Profile }>(server.url, "GET", `/api/users/${seller.user.id}`);
    expect(status).toBe(200);
    expect(body.user).toEqual({
      ...seller.user,
      bio: "",
      avatarUrl: null,
      location: {},
      rating: { average: 0, count: 0 },
      salesCount: 0,
    });
    expect((await call(server.url, "GET", "/api/users/4f1c2a8e-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
    expect((await call(server.url, "GET", "/api/users/Not%20a%20name")).status).toBe(400);
    // Seller pages are addressed by username: the same profile.
    const byName = await call<{ user: Profile }>(server.url, "GET", `/api/users/${seller.user.username}`);
    expect(byName.body.user).toEqual(body.user);
  });

  it("lets the signed-in user edit their profile and email; others see the profile only", async () => {
    const me = await signUp(server.url, "seller");
    const patch = {
      displayName: "Maria's Workshop",
      bio: "Pottery and woodwork.",
      avatarUrl: "/uploads/avatar.png",
      location: { city: "Lisbon", country: "Portugal" },
      email: "maria@example.com",
    };
    const { status, body } = await call<{ user: OwnProfile }>(server.url, "PATCH", "/api/me", {
      token: me.token,
      body: patch,
    });
    expect(status).toBe(200);
    expect(body.user).toMatchObject(patch);
    const seen = await call<{ user: Profile }>(server.url, "GET", `/api/users/${me.user.id}`);
    const own = await call<{ user: OwnProfile }>(server.url, "GET", "/api/me/profile", { token: me.token });
    expect(own.body.user).toEqual(body.user);
    expect((await call(server.url, "GET", "/api/me/profile")).status).toBe(401);
    const { email: _private, ...visible } = patch;
    expect(seen.body.user).toMatchObject(visible);
    expect(seen.body.user).not.toHaveProperty("email");
    // The new display name is what their items show.
    const item = await listItem(server.url, me);
    expect(item.seller.displayName).toBe("Maria's Workshop");

    const bad = await call<{ error: { details: { path: string; message: string }[] } }>(
      server.url,
      "PATCH",
      "/api/me",
      {
        token: me.token,
        body: { email: "not-an-email", displayName: " " },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { path: "email", message: "Enter an email address like name@example.com" },
        { path: "displayName", message: "Enter a display name" },
      ]),
    );
    expect((await call(server.url, "PATCH", "/api/me", { body: { bio: "x" } })).status).toBe(401);
  });

  it("counts a seller's sales", async () => {
    const owner = await signUp(server.url, "seller");
    const item = await listItem(server.url, owner);
    await server.db.query("update items set status = 'sold' where id = $1", [item.id]);
    const { body } = await call<{ user: Profile }>(server.url, "GET", `/api/users/${owner.user.id}`);
    expect(body.user.salesCount).toBe(1);
  });
});

describe("favourites", () => {
  it("adds, lists newest first, removes; idempotent both ways; signed in only", async () => {
    const fan = await signUp(server.url, "buyer");
    const [a, b] = [await listItem(server.url, seller), await listItem(server.url, seller)];
    for (const item of [a, b, a]) {
      expect(
        (await call(server.url, "PUT", `/api/me/favorites/${item.id}`, { token: fan.token })).status,
      ).toBe(204);
    }
    const listed = await call<{ items: Item[] }>(server.url, "GET", "/api/me/favorites", {
      token: fan.token,
    });
    expect(listed.body.items.map((item) => item.id)).toEqual([b.id, a.id]);
    for (let i = 0; i < 2; i++) {
      expect(
        (await call(server.url, "DELETE", `/api/me/favorites/${b.id}`, { token: fan.token })).status,
      ).toBe(204);
    }
    const after = await call<{ items: Item[] }>(server.url, "GET", "/api/me/favorites", { token: fan.token });
    expect(after.body.items.map((item) => item.id)).toEqual([a.id]);
    // Another person's list is their own.
    const other = await call<{ items: Item[] }>(server.url, "GET", "/api/me/favorites", {
      token: buyer.token,
    });
    expect(other.body.items).toEqual([]);
    expect(
      (
        await call(server.url, "PUT", "/api/me/favorites/4f1c2a8e-0000-4000-8000-000000000000", {
          token: fan.token,
        })
      ).status,
    ).toBe(404);
    expect((await call(server.url, "PUT", `/api/me/favorites/${a.id}`)).status).toBe(401);
    expect((await call(server.url, "GET", "/api/me/favorites")).status).toBe(401);
  });
});

describe("saved searches", () => {
  it("saves, lists, deletes (owner only) and explains bad queries plainly", async () => {
    const owner = await signUp(server.url, "buyer");
    const created = await call<{ savedSearch: SavedSearch }>(server.url, "POST", "/api/me/saved-searches", {
      token: owner.token,
      body: {
        name: "Cheap tables",
        query: { q: "tables", category: "furniture", condition: "good,fair", maxPrice: 10_000 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.savedSearch).toMatchObject({
      name: "Cheap tables",
      query: { q: "tables", category: "furniture", condition: ["good", "fair"], maxPrice: 10_000 },
    });
    const id = created.body.savedSearch.id;
    const listed = await call<{ savedSearches: SavedSearch[] }>(server.url, "GET", "/api/me/saved-searches", {
      token: owner.token,
    });
    expect(listed.body.savedSearches).toEqual([created.body.savedSearch]);
    expect(
      (await call(server.url, "DELETE", `/api/me/saved-searches/${id}`, { token: buyer.token })).status,
    ).toBe(404);
    expect(
      (await call(server.url, "DELETE", `/api/me/saved-searches/${id}`, { token: owner.token })).status,
    ).toBe(204);
    const empty = await call<{ savedSearches: SavedSearch[] }>(server.url, "GET", "/api/me/saved-searches", {
      token: owner.token,
    });
    expect(empty.body.savedSearches).toEqual([]);

    const bad = await call<{ error: { details: { path: string; message: string }[] } }>(
      server.url,
      "POST",
      "/api/me/saved-searches",
      { token: owner.token, body: { name: "", query: {} } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { path: "name", message: "Name the search" },
        { path: "query", message: "Search for something or choose a filter first" },
      ]),
    );
    expect((await call(server.url, "GET", "/api/me/saved-searches")).status).toBe(401);
  });

  it("finds the saved searches a new item matches: words (plural, accents), category with children, condition, price", async () => {
    const save = async (session: Session, name: string, query: Record<string, unknown>) => {
      const { status, body } = await call<{ savedSearch: SavedSearch }>(
        server.url,
        "POST",
        "/api/me/saved-searches",
        {
          token: session.token,
          body: { name, query },
        },
      );
      expect(status, JSON.stringify(body)).toBe(201);
      return body.savedSearch.id;
    };
    const [ann, ben] = await Promise.all([signUp(server.url, "buyer"), signUp(server.url, "buyer")]);
    const expected = [
      await save(ann, "tables", { q: "tables" }),
      await save(ann, "creme table", { q: "créme table", maxPrice: 50_000 }),
      await save(ben, "furniture", { category: "furniture", condition: ["good", "like_new"] }),
      await save(ben, "cheap", { maxPrice: 30_000 }),
    ];
    const unexpected = [
      await save(ann, "chairs", { q: "chair" }),
      await save(ann, "two words", { q: "table lamp" }),
      await save(ben, "electronics", { category: "electronics" }),
      await save(ben, "new only", { category: "furniture", condition: "new" }),
      await save(ben, "dear", { minPrice: 30_001 }),
    ];
    // The seller's own search never matches their own item.
    const own = await save(seller, "seller's own", { q: "table" });

    const item = await listItem(server.url, seller, {
      title: "Crème table",
      description: "Painted pine",
      price: { amount: 30_000, currency: "usd" },
      category: "furniture/tables",
      condition: "good",
    });
    const matches = await server.app.services.savedSearches.matching(item.id);
    const ids = matches.map((match) => match.id);
    expect(ids.sort()).toEqual([...expected].sort());
    for (const id of [...unexpected, own]) expect(ids).not.toContain(id);
    expect(matches.find((match) => match.id === expected[0])?.userId).toBe(ann.user.id);
  });

  it("stays cheap with many saved searches: matched through indexes, never by reading them all", async () => {
    // The item first: the bulk insert below holds the embedded database, and HTTP waits for nobody.
    const item = await listItem(server.url, seller, {
      title: "Word4242 gadget",
      category: "electronics/audio",
      price: { amount: 1000, currency: "usd" },
    });
    // 20,000 saved searches on other words and categories, as many people would keep.
    await server.db.query(
      `insert into saved_searches (id, user_id, name, query, terms, key_term, categories)
       select gen_random_uuid(), $1, 'bulk ' || n, '{}'::jsonb,
              case when n % 2 = 0 then array['word' || n] else '{}' end,
              case when n % 2 = 0 then 'word' || n end,
              case when n % 2 = 1 then array['kids/toys'] end
       from generate_series(1, 20000) n`,
      [buyer.user.id],
    );
    await server.db.query("analyze saved_searches");
    const matches = await server.app.services.savedSearches.matching(item.id);
    expect(matches.filter((match) => match.userId === buyer.user.id)).toHaveLength(1);
    const plan = await server.db.query<Record<string, string>>(`explain ${MATCH_SAVED_SEARCHES_SQL}`, [
      item.id,
    ]);
    const text = plan.map((row) => Object.values(row)[0]).join("\n");
    // The plan, not a stopwatch (this machine is shared): every branch reaches saved searches by an index.
    expect(text).not.toMatch(/Seq Scan on saved_searches/);
  });
});
