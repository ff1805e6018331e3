import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { utimes } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import { LIMITS } from "../shared/limits.js";
import { UPLOAD_MAX_BYTES } from "../shared/uploads.js";
import { listItem, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer, type TestServerOptions } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connect,
  eventually,
  joinItem,
  request,
  sendMessage,
} from "./helpers/sockets.js";

const servers: TestServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
const sockets: ClientSocket[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
/** The default event budget per socket (the test environment lifts it, as it does every limit). */
const BUDGET = { SOCKET_EVENTS_PER_SECOND: "10" };
const BURST = 40;

/** One server for the tests that need no settings of their own: starting one costs seconds on a busy machine. */
let shared: TestServer;
beforeAll(async () => {
  shared = await startServer({ env: BUDGET });
}, 90_000);
afterAll(async () => {
  await shared?.close();
});
async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}
async function open(url: string, token: string): Promise<ClientSocket> {
  const socket = await connect(url, token);
  sockets.push(socket);
  return socket;
}

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3c2e80000000049454e44ae426082",
  "hex",
);
const upload = (url: string, token: string, body: Buffer = PNG) =>
  fetch(`${url}/api/uploads`, {
    method: "POST",
    headers: { "content-type": "image/png", authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

describe("socket floods", { timeout: 90_000 }, () => {
  it("one socket's 20,000 typing events and 20,000 leaves leave another user's chat p99 under 500 ms (or 3 × its quiet p99 on a busy machine)", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const attacker = await signUp(server.url, "buyer");
    const victim = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller);
    const talker = await open(server.url, victim.token);
    await joinItem(talker, item.id);
    const typingHeard = collect(talker, "room:typing");
    const presenceHeard = collect(talker, "room:presence");

    // A person's pace (ten a second), well under the event budget every socket has.
    const measure = async (count: number, chat: number[], browse: number[]) => {
      const deadline = performance.now() + 12_000;
      for (let i = 0; i < count && performance.now() < deadline; i++) {
        if (i > 0) {
          await new Promise((resolve) =>
            setTimeout(resolve, 100 - Math.min(100, chat.at(-1)! + browse.at(-1)!)),
          );
        }
        let started = performance.now();
        await sendMessage(talker, item.id, `message ${i}`);
        chat.push(performance.now() - started);
        started = performance.now();
        expect((await call(server.url, "GET", `/api/items/${item.id}`)).status).toBe(200);
        browse.push(performance.now() - started);
      }
    };
    // The same measure without a flood first: on a machine busy with other work the bar rises with it
    // (on an idle one it is the 500 ms).
    const quietChat: number[] = [];
    const quietBrowse: number[] = [];
    await measure(50, quietChat, quietBrowse);
    const bar = (quiet: number[]) => Math.max(500, 3 * percentile(quiet, 99));

    // The attacker runs in a process of its own: its CPU is not the server's, nor the victim's.
    const flood = spawn(
      process.execPath,
      ["test/helpers/flood-client.mjs", server.url, attacker.token, item.id, "20000"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise<void>((resolve) => flood.once("exit", () => resolve()));
    cleanups.push(async () => {
      flood.kill();
      await exited;
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      flood.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("ready")) resolve();
      });
      flood.once("exit", () => reject(new Error(`flood client exited: ${output}`)));
    });
    const chat: number[] = [];
    const browse: number[] = [];
    await measure(50, chat, browse);
    console.log(
      `quiet: chat p99 ${percentile(quietChat, 99).toFixed(0)} ms, HTTP p99 ${percentile(quietBrowse, 99).toFixed(0)} ms; ` +
        `flood: chat p50 ${percentile(chat, 50).toFixed(0)} ms, p99 ${percentile(chat, 99).toFixed(0)} ms; ` +
        `HTTP p99 ${percentile(browse, 99).toFixed(0)} ms; typing heard ${typingHeard.length}, presence ${presenceHeard.length}`,
    );
    expect(chat.length).toBeGreaterThanOrEqual(25);
    expect(percentile(chat, 99)).toBeLessThan(bar(quietChat));
    expect(percentile(browse, 99)).toBeLessThan(bar(quietBrowse));
    // Coalesced: the room heard a handful of typing changes and no presence change from the leaves.
    expect(typingHeard.length).toBeLessThan(100);
    expect(presenceHeard.length).toBeLessThan(5);
  }, 90_000);

  it("answers a flooding socket rate_limited and leaves is a no-op for a socket not in the room", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    const socket = await open(server.url, seller.token);
    const left = await request(socket, "item:leave", { itemId: item.id });
    expect(left.ok).toBe(true);
    const acks = await Promise.all(
      Array.from({ length: BURST + 20 }, () => request(socket, "item:leave", { itemId: item.id })),
    );
    const refused = acks.filter((ack) => !ack.ok && ack.error.code === "rate_limited");
    expect(refused.length).toBeGreaterThanOrEqual(19);
  });

  it("caps the join's history to the latest 200 events; older ones page over HTTP", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          server.app.services.chat.send(seller.user, {
            itemId: item.id,
            text: `old ${batch * 50 + i}`,
            clientMessageId: randomUUID(),
          }),
        ),
      );
    }
    const socket = await open(server.url, seller.token);
    const joined = await joinItem(socket, item.id);
    expect(joined.item.lastSeq).toBe(251);
    expect(joined.events).toHaveLength(LIMITS.joinHistoryMax);
    expect(joined.events[0]!.seq).toBe(52);
    expect(joined.events.at(-1)!.seq).toBe(251);
    // A resume still gets exactly what it missed when that is less.
    const resumed = await open(server.url, seller.token);
    expect((await joinItem(resumed, item.id, 240)).events.map((e) => e.seq)).toEqual(
      Array.from({ length: 11 }, (_, i) => 241 + i),
    );
    const older = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${item.id}/events?after=0&limit=51`,
      { token: seller.token },
    );
    expect(older.body.events.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  }, 90_000);

  it("limits the rooms one socket is in and how often it joins", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const items = await Promise.all(
      Array.from({ length: LIMITS.roomsPerSocket + 1 }, () => listItem(server.url, seller)),
    );
    const socket = await open(server.url, seller.token);
    for (const item of items.slice(0, LIMITS.roomsPerSocket)) await joinItem(socket, item.id);
    const extra = await request(socket, "item:join", { itemId: items.at(-1)!.id });
    expect(extra).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    expect((await request(socket, "item:leave", { itemId: items[0]!.id })).ok).toBe(true);

    // Joins per minute: a fresh socket gets its allowance, then a refusal. Paced under the event budget
    // once past its burst, so only the join limit can refuse (it refills by one a second meanwhile).
    const other = await open(server.url, seller.token);
    let joined = 0;
    let refusal: unknown = null;
    for (let i = 0; i < LIMITS.joinsPerSocketPerMinute + 30 && refusal === null; i++) {
      if (i >= BURST - 5) await new Promise((resolve) => setTimeout(resolve, 110));
      const ack = await request(other, "item:join", { itemId: items[0]!.id });
      if (ack.ok) joined++;
      else refusal = ack.error;
    }
    expect(refusal).toMatchObject({ code: "rate_limited", message: expect.stringContaining("joins") });
    expect(joined).toBeGreaterThanOrEqual(LIMITS.joinsPerSocketPerMinute);
    expect(joined).toBeLessThan(LIMITS.joinsPerSocketPerMinute + 15);
  }, 90_000);

  it("caps open sockets per user and per address", async () => {
    const server = await start({ env: { SOCKETS_PER_USER: "3", SOCKETS_PER_ADDRESS: "5" } });
    const [one, two] = await Promise.all([signUp(server.url, "buyer"), signUp(server.url, "buyer")]);
    const first = await Promise.all([0, 1, 2].map(() => open(server.url, one.token)));
    await expect(connect(server.url, one.token)).rejects.toThrow("too_many_connections");
    first[0]!.close();
    await eventually(async () => {
      sockets.push(await connect(server.url, one.token));
    });
    await Promise.all([0, 1].map(() => open(server.url, two.token)));
    // Five from this address now, whoever they are.
    await expect(connect(server.url, two.token)).rejects.toThrow("too_many_connections");
  });
});

describe("HTTP floods", { timeout: 90_000 }, () => {
  it("limits item listings and edits, and uploads, per seller", async () => {
    const server = await start({
      env: { RATE_LIMIT_ITEM_WRITES_PER_HOUR: "3", RATE_LIMIT_UPLOADS_PER_HOUR: "2" },
    });
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    await listItem(server.url, seller);
    const edit = await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { title: "Edited" },
    });
    expect(edit.status).toBe(200);
    const over = await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { title: "Again" },
    });
    expect(over.status).toBe(429);
    expect((await call(server.url, "POST", "/api/items", { token: seller.token, body: {} })).status).toBe(
      429,
    );
    // Another seller is not affected.
    const other = await signUp(server.url, "seller");
    await listItem(server.url, other);

    expect((await upload(server.url, seller.token)).status).toBe(201);
    expect((await upload(server.url, seller.token)).status).toBe(201);
    const third = await upload(server.url, seller.token);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("deletes uploads no item uses once they are a day old, and keeps the ones in use", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const urls: string[] = [];
    for (let i = 0; i < 3; i++)
      urls.push(((await (await upload(server.url, seller.token)).json()) as { url: string }).url);
    const [used, orphan, fresh] = urls as [string, string, string];
    await listItem(server.url, seller, { imageUrl: used });
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    const fileOf = (url: string) => path.join(server.app.services.uploads.dir, url.slice("/uploads/".length));
    await utimes(fileOf(used), dayAgo, dayAgo);
    await utimes(fileOf(orphan), dayAgo, dayAgo);
    expect(await server.app.services.uploads.sweepOrphans()).toBe(1);
    expect((await fetch(`${server.url}${orphan}`)).status).toBe(404);
    expect((await fetch(`${server.url}${used}`)).status).toBe(200);
    expect((await fetch(`${server.url}${fresh}`)).status).toBe(200);
  });

  /** Sends a body that never ends (or claims `length`), and resolves with what the server did and when. */
  function endlessBody(url: string, path: string, headers: Record<string, string>) {
    return new Promise<{ status: number | null; ms: number }>((resolve) => {
      const started = performance.now();
      const target = new URL(path, url);
      const req = http.request(target, { method: "POST", headers });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const pump = setInterval(() => req.write(chunk), 2);
      const done = (status: number | null) => {
        clearInterval(pump);
        req.destroy();
        resolve({ status, ms: performance.now() - started });
      };
      req.on("response", (res) => done(res.statusCode ?? null));
      req.on("error", () => done(null));
      req.on("close", () => done(null));
    });
  }

  it("refuses an oversized body early: by Content-Length at once, and an endless one within seconds", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const declared = await endlessBody(server.url, "/api/items", {
      "content-type": "application/json",
      "content-length": String(50 * 1024 * 1024),
      authorization: `Bearer ${seller.token}`,
    });
    expect(declared.status).toBe(413);
    expect(declared.ms).toBeLessThan(2_000);
    const chunked = await endlessBody(server.url, "/api/items", {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      authorization: `Bearer ${seller.token}`,
    });
    expect([413, null]).toContain(chunked.status);
    expect(chunked.ms).toBeLessThan(5_000);
    const images = await endlessBody(server.url, "/api/uploads", {
      "content-type": "image/png",
      "transfer-encoding": "chunked",
      authorization: `Bearer ${seller.token}`,
    });
    expect([413, null]).toContain(images.status);
    expect(images.ms).toBeLessThan(5_000 + (UPLOAD_MAX_BYTES / (16 * 1024)) * 2);
    console.log(
      `endless bodies: Content-Length 50 MB answered ${declared.status} in ${declared.ms.toFixed(0)} ms; ` +
        `chunked JSON ${chunked.status ?? "closed"} in ${chunked.ms.toFixed(0)} ms; chunked upload ${images.status ?? "closed"} in ${images.ms.toFixed(0)} ms`,
    );
    // The server is fine afterwards.
    expect((await call(server.url, "GET", "/api/health")).status).toBe(200);
  }, 90_000);
});
