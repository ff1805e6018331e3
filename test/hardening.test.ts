import { Writable } from "node:stream";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../server/logger.js";
import { createMemoryStore } from "../server/rate-limit/memory-store.js";
import type { AuthResponse } from "../shared/users.js";
import { listItem, signUp, uniqueName } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer, type TestServerOptions } from "./helpers/server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

const login = (url: string, username: string, password: string, headers: Record<string, string> = {}) =>
  call<AuthResponse>(url, "POST", "/api/auth/login", { body: { username, password }, headers });

describe("rate limits", () => {
  it("limits sign-in attempts per account without locking out other accounts; a success clears the count", async () => {
    const server = await start({ env: { RATE_LIMIT_SIGNIN_PER_ACCOUNT: "3" } });
    const [victim, bystander] = await Promise.all([
      signUp(server.url, "buyer"),
      signUp(server.url, "seller"),
    ]);
    const good = "correct horse battery";
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await login(server.url, victim.user.username, "wrong-password")).status).toBe(401);
    }
    expect((await login(server.url, victim.user.username, good)).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await login(server.url, victim.user.username, "wrong-password")).status).toBe(401);
    }
    const limited = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: victim.user.username, password: good }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
    // The limit is per account: the same address signs another account in at once.
    expect((await login(server.url, bystander.user.username, good)).status).toBe(200);
  });

  it("limits sign-in attempts per address, and a forged X-Forwarded-For does not get around it", async () => {
    const server = await start({ env: { RATE_LIMIT_SIGNIN_PER_ADDRESS: "4" } });
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await login(server.url, uniqueName("nobody"), "whatever123", {
        "x-forwarded-for": `10.0.0.${attempt}`,
      });
      expect(response.status).toBe(401);
    }
    const limited = await login(server.url, uniqueName("nobody"), "whatever123", {
      "x-forwarded-for": "10.9.9.9",
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: "rate_limited" } });
  });

  it("limits registrations per address and writes no account over the limit", async () => {
    const server = await start({ env: { RATE_LIMIT_REGISTER_PER_ADDRESS: "2" } });
    await signUp(server.url, "buyer");
    await signUp(server.url, "seller");
    const third = await call(server.url, "POST", "/api/auth/register", {
      body: { username: uniqueName("third"), password: "long enough pass", role: "buyer" },
    });
    expect(third.status).toBe(429);
    const [count] = await server.db.query<{ n: number }>("select count(*)::int as n from users");
    expect(count?.n).toBe(2);
  });

  it("shares the counters between processes through Redis", async () => {
    // This machine kind always runs Redis; CI checks it before the tests.
    const env = {
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      RATE_LIMIT_REGISTER_PER_ADDRESS: "2",
      REDIS_PREFIX: `parley-shared-${uniqueName("p")}`,
    };
    const first = await start({ env });
    const second = await start({ env });
    await signUp(first.url, "buyer");
    await signUp(second.url, "buyer");
    const third = await call(first.url, "POST", "/api/auth/register", {
      body: { username: uniqueName("third"), password: "long enough pass", role: "buyer" },
    });
    expect(third.status).toBe(429);
  });

  it("keeps serving without waiting when Redis is down, counting in this process's memory", async () => {
    const server = await start({
      env: { REDIS_URL: "redis://127.0.0.1:1", RATE_LIMIT_REGISTER_PER_ADDRESS: "1" },
    });
    const started = performance.now();
    await signUp(server.url, "buyer");
    const second = await call(server.url, "POST", "/api/auth/register", {
      body: { username: uniqueName("second"), password: "long enough pass", role: "buyer" },
    });
    expect(second.status).toBe(429);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await call(server.url, "GET", "/api/health")).status).toBe(200);
  });

  it("counts in fixed windows in memory, and forgets a window once it ends", async () => {
    let now = 1_000;
    const store = createMemoryStore(() => now);
    expect(await store.hit("k", 100)).toEqual({ count: 1, resetAt: 1_100 });
    expect((await store.hit("k", 100)).count).toBe(2);
    now = 1_100;
    expect(await store.hit("k", 100)).toEqual({ count: 1, resetAt: 1_200 });
    await store.reset("k");
    expect((await store.hit("k", 100)).count).toBe(1);
    await store.close();
  });
});

describe("security headers", () => {
  it("sends a content security policy the same-origin web app passes, without Stripe unless configured", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/api/health`);
    const csp = response.headers.get("content-security-policy") ?? "";
    const host = new URL(server.url).host;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${host}`);
    expect(csp).toContain("img-src 'self' data: blob: https:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("stripe");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-powered-by")).toBeNull();
    expect((await fetch(`${server.url}/`)).headers.get("content-security-policy")).toBe(csp);
  });

  it("allows Stripe's script and frames when Stripe is configured", async () => {
    const server = await start({ env: { STRIPE_SECRET_KEY: "sk_test_x", STRIPE_WEBHOOK_SECRET: "whsec_x" } });
    const csp = (await fetch(`${server.url}/api/health`)).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self' https://js.stripe.com");
    expect(csp).toContain("frame-src https://js.stripe.com https://hooks.stripe.com");
    expect(csp).toContain("https://api.stripe.com");
  });
});

describe("logs", () => {
  it("log every request as structured JSON and never a password, token or card number", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const server = await start({ logger: createLogger("info", stream) });
    const password = "pw-never-in-logs-123";
    const session = await signUp(server.url, "seller", { password });
    const again = await login(server.url, session.user.username, password);
    await login(server.url, session.user.username, `${password}-wrong`);
    await listItem(server.url, session, { title: "Logged item" });
    await call(server.url, "GET", "/api/me?token=query-token-never-logged", { token: again.body.token });
    const card = "4242424242424242";
    await call(server.url, "POST", `/api/payments/${crypto.randomUUID()}/confirm`, {
      token: session.token,
      body: { card: { number: card, expMonth: 12, expYear: 2040, cvc: "123" } },
    });
    await call(server.url, "POST", "/api/auth/login", { rawBody: `{"password":"${password}", broken` });

    const text = lines.join("");
    for (const secret of [password, session.token, again.body.token, "query-token-never-logged", card]) {
      expect(text).not.toContain(secret);
    }
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({ msg: "request", method: "POST", path: "/api/auth/login", status: 200 }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ msg: "request", path: "/api/me", status: 200, userId: session.user.id }),
    );
  });

  it("redacts secrets by path whatever logs them", () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger("info", stream);
    logger.info(
      { password: "p1", body: { password: "p2" }, user: { token: "t1" }, card: { number: "4242" } },
      "x",
    );
    logger.info({ req: { headers: { authorization: "Bearer t2" } } }, "y");
    const text = lines.join("");
    // Both lines were written, with the fields kept and their values censored.
    expect(lines).toHaveLength(2);
    expect(text).toContain('"password":"[redacted]"');
    expect(text).toContain('"authorization":"[redacted]"');
    for (const secret of ["p1", "p2", "t1", "4242", "t2"]) expect(text).not.toContain(`"${secret}`);
    expect(text).not.toContain("Bearer");
  });
});

describe("socket origins", () => {
  /** A socket as a browser on `origin` would open it (browsers always send Origin). */
  const connectFrom = (url: string, token: string, origin: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = io(url, {
        auth: { token },
        transports: ["websocket"],
        extraHeaders: { origin },
        reconnection: false,
        forceNew: true,
      });
      socket.once("connect", () => {
        socket.close();
        resolve();
      });
      socket.once("connect_error", (error) => {
        socket.close();
        reject(error);
      });
    });

  it("accepts the server's own origin and the configured ones, and refuses any other", async () => {
    const server = await start({ env: { ALLOWED_ORIGINS: "https://shop.example" } });
    const { token } = await signUp(server.url, "buyer");
    await expect(connectFrom(server.url, token, server.url)).resolves.toBeUndefined();
    await expect(connectFrom(server.url, token, "https://shop.example")).resolves.toBeUndefined();
    await expect(connectFrom(server.url, token, "https://evil.example")).rejects.toThrow();
    await expect(connectFrom(server.url, token, "null")).rejects.toThrow();
  });
});
