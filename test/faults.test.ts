import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { AuthResponse } from "../shared/users.js";
import { listItem, signUp } from "./factories.js";
import { FaultProxy } from "./helpers/fault-proxy.js";
import { call } from "./helpers/http.js";
import { POSTGRES_URL, REDIS_URL, startServerProcess } from "./helpers/processes.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { connect, eventually, joinItem, sendMessage } from "./helpers/sockets.js";

// Faults injected for real: a PostgreSQL backend terminated, a TCP proxy that black-holes the database or
// Redis, Redis down at start. They need the machine's PostgreSQL server and Redis whatever DATABASE_URL says.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const hostOf = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (url.startsWith("redis") ? 6379 : 5432)) };
};

async function started(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function proxyTo(url: string, listening = true): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(hostOf(url), listening);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Milliseconds `run` took, and its result. */
async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

const login = (url: string, username: string) =>
  call<AuthResponse>(url, "POST", "/api/auth/login", {
    body: { username, password: "correct horse battery" },
  });

/** Polls `GET /api/ready` until it answers `status`; resolves with how long that took. */
async function readyBecomes(url: string, status: number, withinMs: number): Promise<number> {
  const started = performance.now();
  await eventually(async () => {
    const response = await fetch(`${url}/api/ready`, { signal: AbortSignal.timeout(3_000) }).catch(
      () => null,
    );
    expect(response?.status).toBe(status);
  }, withinMs);
  return performance.now() - started;
}

describe("PostgreSQL connections that die", { timeout: 90_000 }, () => {
  it("a backend terminated inside a transaction fails that transaction with 503, and the server keeps serving", async () => {
    const server = await started({ env: { DATABASE_URL: POSTGRES_URL } });
    const seller = await signUp(server.url, "seller");
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    cleanups.push(() => admin.end());

    // Killed between two statements of a transaction: the checked-out client emits 'error' while idle.
    const failed = server.db.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>("select pg_backend_pid() as pid");
      await admin.query("select pg_terminate_backend($1)", [row!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return tx.query("select 1");
    });
    await expect(failed).rejects.toMatchObject({ code: "unavailable" });

    // Every connection of the pool terminated while idle: the next requests get fresh ones.
    const pids = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.db.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>("select pg_backend_pid() as pid");
          await new Promise((resolve) => setTimeout(resolve, 100));
          return row!.pid;
        }),
      ),
    );
    await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", [pids]);
    await eventually(async () => expect((await call(server.url, "GET", "/api/items")).status).toBe(200));
    expect((await listItem(server.url, seller)).title).toBeTruthy();
    expect((await call(server.url, "GET", "/api/ready")).status).toBe(200);
  });

  it("a black-holed database answers 503 within seconds, /api/ready tells, and both recover when it returns", async () => {
    const proxy = await proxyTo(POSTGRES_URL);
    const server = await started({
      env: {
        DATABASE_URL: FaultProxy.urlThrough(POSTGRES_URL, proxy),
        DB_CONNECT_TIMEOUT_MS: "1000",
        DB_STATEMENT_TIMEOUT_MS: "1500",
        DB_QUERY_TIMEOUT_MS: "2000",
      },
    });
    const seller = await signUp(server.url, "seller");
    await listItem(server.url, seller);
    expect((await call(server.url, "GET", "/api/ready")).status).toBe(200);

    proxy.blackhole();
    const outage = performance.now();
    const list = await timed(() => call<{ error: { code: string } }>(server.url, "GET", "/api/items"));
    expect(list.value.status).toBe(503);
    expect(list.value.body.error.code).toBe("unavailable");
    expect(list.ms).toBeLessThan(5_000);
    const write = await timed(() =>
      call(server.url, "POST", "/api/items", { token: seller.token, body: {} }),
    );
    expect(write.value.status).toBe(503);
    expect(write.ms).toBeLessThan(5_000);
    await readyBecomes(server.url, 503, 10_000 - (performance.now() - outage));
    const downAt = performance.now() - outage;
    // Liveness stays cheap and true: the process is fine, its database is not.
    expect((await call(server.url, "GET", "/api/health")).status).toBe(200);

    await proxy.up();
    const back = await readyBecomes(server.url, 200, 15_000);
    expect(back).toBeLessThan(15_000);
    console.log(
      `database black-holed: GET /api/items 503 in ${list.ms.toFixed(0)} ms, POST /api/items 503 in ${write.ms.toFixed(0)} ms; ` +
        `/api/ready 503 by ${(downAt / 1000).toFixed(1)} s into the outage, 200 ${(back / 1000).toFixed(1)} s after the return`,
    );
    expect((await call(server.url, "GET", "/api/items")).status).toBe(200);
    expect((await listItem(server.url, seller)).title).toBeTruthy();
  }, 90_000);
});

describe("Redis outages", { timeout: 90_000 }, () => {
  it("serves without Redis when it is down at start, and picks it up when it comes", async () => {
    const proxy = await proxyTo(REDIS_URL, false);
    const child = await startServerProcess({
      REDIS_URL: FaultProxy.urlThrough(REDIS_URL, proxy),
      REDIS_PREFIX: `parley-test-${randomBytes(4).toString("hex")}`,
      JWT_SECRET: randomBytes(32).toString("hex"),
    });
    cleanups.push(() => child.stop());

    const seller = await signUp(child.url, "seller");
    const signIn = await timed(() => login(child.url, seller.user.username));
    expect(signIn.value.status).toBe(200);
    expect(signIn.ms).toBeLessThan(3_000);
    const item = await listItem(child.url, seller);
    const socket = await connect(child.url, seller.token);
    cleanups.push(async () => socket.close());
    await joinItem(socket, item.id);
    const message = await timed(() => sendMessage(socket, item.id, "still here"));
    expect(message.ms).toBeLessThan(3_000);
    expect((await call(child.url, "GET", "/api/ready")).status).toBe(503);
    // The adapter's first subscribe failing used to end the process about a second after start.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await call(child.url, "GET", "/api/health")).status).toBe(200);

    await proxy.up();
    const back = await readyBecomes(child.url, 200, 15_000);
    console.log(
      `Redis down at start: sign-in ${signIn.ms.toFixed(0)} ms, message ${message.ms.toFixed(0)} ms; /api/ready 200 ${(back / 1000).toFixed(1)} s after Redis came`,
    );
    expect((await sendMessage(socket, item.id, "and now with Redis")).event.seq).toBeGreaterThan(1);
  }, 90_000);

  it("sign-in and chat answer within 3 s while Redis accepts and never answers, and readiness says so", async () => {
    const proxy = await proxyTo(REDIS_URL);
    const server = await started({
      env: { REDIS_URL: FaultProxy.urlThrough(REDIS_URL, proxy), RATE_LIMIT_SIGNIN_PER_ACCOUNT: "3" },
      redisAdapter: true,
    });
    const seller = await signUp(server.url, "seller");
    expect((await login(server.url, seller.user.username)).status).toBe(200);
    const item = await listItem(server.url, seller);
    const socket = await connect(server.url, seller.token);
    cleanups.push(async () => socket.close());
    await joinItem(socket, item.id);

    proxy.blackhole();
    const outage = performance.now();
    const figures: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const signIn = await timed(() => login(server.url, seller.user.username));
      expect(signIn.value.status).toBe(200);
      expect(signIn.ms).toBeLessThan(3_000);
      const message = await timed(() => sendMessage(socket, item.id, `message ${attempt}`));
      expect(message.ms).toBeLessThan(3_000);
      figures.push(`sign-in ${signIn.ms.toFixed(0)} ms, message ${message.ms.toFixed(0)} ms`);
    }
    // Limits still hold, counted in memory meanwhile.
    for (let attempt = 0; attempt < 3; attempt++) {
      await call(server.url, "POST", "/api/auth/login", {
        body: { username: seller.user.username, password: "wrong password" },
      });
    }
    expect((await login(server.url, seller.user.username)).status).toBe(429);
    await readyBecomes(server.url, 503, 10_000 - (performance.now() - outage));
    const downAfter = performance.now() - outage;

    await proxy.up();
    const back = await readyBecomes(server.url, 200, 15_000);
    console.log(
      `Redis hung: ${figures.join("; then ")}; /api/ready 503 by ${(downAfter / 1000).toFixed(1)} s, 200 ${(back / 1000).toFixed(1)} s after the return`,
    );
  }, 90_000);
});
