import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed } from "../bench/seed.js";
import { listItem, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";

/**
 * Anonymous search cannot starve the marketplace (issue 17): each search is bounded (words, length,
 * a deadline that is also its statement timeout), few run at once, and each address has a budget.
 */

describe("search per address", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { RATE_LIMIT_SEARCHES_PER_MINUTE: "5" } });
  });
  afterAll(() => server.close());

  it("refuses keyword searches over the address's budget with 429 and Retry-After; browsing is not counted", async () => {
    for (let i = 0; i < 5; i++)
      expect((await call(server.url, "GET", `/api/items?q=lamp${i}`)).status).toBe(200);
    const refused = await fetch(`${server.url}/api/items?q=lamp`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    for (let i = 0; i < 10; i++)
      expect((await call(server.url, "GET", "/api/items?limit=5")).status).toBe(200);
  });
});

describe("a flood of worst-case anonymous searches", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await seed(server.db, { sellers: 5, buyers: 1, items: 20_000 });
  }, 120_000);
  afterAll(() => server.close());

  it("answers each within the deadline or with 429, while another user's requests stay fast", async () => {
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    const worst = [
      "a b c d e f g h",
      "walnut oak maple steel brass copper linen wool",
      "aaaaa bbbbb ccccc ddddd eeeee fffff ggggg",
      `${"lamp ".repeat(39)}lamp`,
    ];
    const searches = Array.from({ length: 20 }, async (_, i) => {
      const started = performance.now();
      const { status } = await call(
        server.url,
        "GET",
        `/api/items?q=${encodeURIComponent(worst[i % worst.length]!)}&facets=true`,
      );
      return { status, ms: performance.now() - started };
    });
    const others: number[] = [];
    const otherUser = (async () => {
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const { status } = await call(server.url, "GET", `/api/items/${item.id}`, { token: seller.token });
        expect(status).toBe(200);
        others.push(performance.now() - started);
      }
    })();
    const results = await Promise.all(searches);
    await otherUser;
    for (const result of results) expect([200, 429]).toContain(result.status);
    // On a PostgreSQL server: the server's deadline is 1 s (SEARCH_DEADLINE_MS); end to end, the margin is
    // for a machine shared with other work (measured 0.7–1.6 s at load averages of 15–30 on 2 cores). The embedded database runs each statement on the event loop, where nothing can
    // interrupt it, so there the bound is looser (docs/PERFORMANCE.md has both figures).
    const bound = process.env.DATABASE_URL ? { search: 2000, other: 1000 } : { search: 4000, other: 3000 };
    expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(bound.search);
    expect(Math.max(...others)).toBeLessThan(bound.other);
    expect(results.filter((result) => result.status === 429).length).toBeGreaterThan(0);
  }, 60_000);
});
