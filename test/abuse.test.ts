import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import type { AuthResponse } from "../shared/users.js";
import { listItem, newClientMessageId, type Session, signUp, uniqueName } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, connect, request, requestOk } from "./helpers/sockets.js";

/**
 * Malformed input at every HTTP route and socket event: each gets a 4xx or `ok: false` with a clear code,
 * the process stays up and healthy, and nothing is written that should not be.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MEGABYTE = "x".repeat(1024 * 1024);
const deep = (levels: number): Json => {
  let value: Json = "bottom";
  for (let level = 0; level < levels; level++) value = [value];
  return value;
};
const NASTY_STRINGS = [
  "' OR 1=1 --",
  "'; drop table users; --",
  '"); select pg_sleep(5); --',
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "\u0000",
  "nul\u0000inside",
  "\ud800",
  "lone low \udc00 surrogate",
  "../../etc/passwd",
  "%00",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${7*7}{{7*7}}",
];
const OUT_OF_RANGE = [-1, 0.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308];
const WRONG_TYPES: Json[] = [null, true, 42, "text", [], {}];

/** Every malformed variant of a valid body: wrong types, missing and extra fields, huge, deep, nasty. */
function variants(
  valid: Record<string, Json>,
  optional: readonly string[] = [],
  nullable: readonly string[] = [],
): { name: string; body?: Json; raw?: string | Buffer }[] {
  const out: { name: string; body?: Json; raw?: string | Buffer }[] = [];
  for (const value of WRONG_TYPES) {
    if (Object.keys(valid).length === 0 && JSON.stringify(value) === "{}") continue;
    out.push({ name: `whole body ${JSON.stringify(value)}`, body: value });
  }
  out.push({ name: "extra field", body: { ...valid, extra: 1 } });
  out.push({
    name: "__proto__ key",
    raw: JSON.stringify(valid).replace(/^\{/, '{"__proto__":{"role":"moderator","admin":true},'),
  });
  out.push({
    name: "constructor key",
    raw: JSON.stringify(valid).replace(/^\{/, '{"constructor":{"prototype":{"x":1}},'),
  });
  out.push({ name: "deep nesting", body: { ...valid, extra: deep(2000) } });
  out.push({ name: "1 MB body", body: { ...valid, extra: MEGABYTE } });
  out.push({ name: "not JSON", raw: "{not json" });
  out.push({
    name: "invalid UTF-8",
    raw: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
  });
  for (const [field, original] of Object.entries(valid)) {
    const { [field]: _removed, ...rest } = valid;
    if (!optional.includes(field)) out.push({ name: `missing ${field}`, body: rest });
    for (const value of WRONG_TYPES) {
      if (typeof value === typeof original && Array.isArray(value) === Array.isArray(original)) continue;
      if (value === null && nullable.includes(field)) continue;
      out.push({ name: `${field} = ${JSON.stringify(value)}`, body: { ...valid, [field]: value } });
    }
    out.push({ name: `${field} nested deeply`, body: { ...valid, [field]: deep(2000) } });
    if (typeof original === "string") {
      out.push({ name: `${field} of 1 MB`, body: { ...valid, [field]: MEGABYTE } });
      out.push({ name: `${field} of 60 kB`, body: { ...valid, [field]: MEGABYTE.slice(0, 60_000) } });
      for (const nasty of NASTY_STRINGS) {
        // Free text legitimately holds quotes and angle brackets; it must then be stored verbatim (checked below).
        if (!nasty.includes("\u0000") && !/[\ud800-\udfff]/.test(nasty) && FREE_TEXT.has(field)) continue;
        out.push({ name: `${field} = ${JSON.stringify(nasty)}`, body: { ...valid, [field]: nasty } });
      }
    }
    if (typeof original === "number") {
      for (const number of OUT_OF_RANGE)
        out.push({ name: `${field} = ${number}`, body: { ...valid, [field]: number } });
      out.push({ name: `${field} as a string`, body: { ...valid, [field]: String(original) } });
    }
  }
  return out;
}

/** Fields whose every character is the user's business: only NUL and broken Unicode are refused there. */
const FREE_TEXT = new Set(["password", "displayName", "title", "description", "text", "reason"]);

let server: TestServer;
let seller: Session;
let buyer: Session;
let moderator: AuthResponse;
let item: Item;
let message: ItemEvent;
let paymentId: string;

const TABLES = ["users", "items", "events", "item_members", "reports", "audit_log"] as const;
async function counts(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await server.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    result[table] = row!.n;
  }
  const [hidden] = await server.db.query<{ n: number }>("select count(*)::int as n from events where hidden");
  result.hidden = hidden!.n;
  const [suspended] = await server.db.query<{ n: number }>(
    "select count(*)::int as n from users where suspended_at is not null or role = 'moderator'",
  );
  result.suspendedOrModerators = suspended!.n;
  return result;
}

async function healthy(): Promise<void> {
  expect(await call(server.url, "GET", "/api/health")).toEqual({ status: 200, body: { status: "ok" } });
}

async function send(
  method: string,
  path: string,
  token: string | undefined,
  variant: { body?: Json; raw?: string | Buffer },
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const body =
    typeof variant.raw === "string"
      ? variant.raw
      : variant.raw
        ? Uint8Array.from(variant.raw).buffer
        : variant.body === undefined
          ? undefined
          : JSON.stringify(variant.body);
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, text };
}

function expectClearRefusal(result: { status: number; text: string }, label: string): void {
  expect(result.status, label).toBeGreaterThanOrEqual(400);
  expect(result.status, label).toBeLessThan(500);
  const parsed = JSON.parse(result.text) as { error?: { code?: unknown; message?: unknown } };
  expect(parsed.error?.code, label).toMatch(/^[a-z_]+$/);
  expect(typeof parsed.error?.message, label).toBe("string");
  // Never a stack trace or SQL.
  expect(result.text, label).not.toMatch(/\bat .+\.(ts|js):\d+|select |insert |syntax error/i);
}

beforeAll(async () => {
  server = await startServer();
  [seller, buyer, moderator] = await Promise.all([
    signUp(server.url, "seller"),
    signUp(server.url, "buyer"),
    createModerator(server),
  ]);
  item = await listItem(server.url, seller);
  const forSale = await listItem(server.url, seller);
  const checkout = await call<{ payment: { id: string } }>(
    server.url,
    "POST",
    `/api/items/${forSale.id}/checkout`,
    {
      token: buyer.token,
    },
  );
  paymentId = checkout.body.payment.id;
  const socket = await connect(server.url, buyer.token);
  await requestOk(socket, "item:join", { itemId: item.id });
  ({ event: message } = await requestOk<{ event: ItemEvent }>(socket, "message:send", {
    itemId: item.id,
    text: "hello",
    clientMessageId: newClientMessageId(),
  }));
  socket.close();
});
afterAll(() => server.close());

describe("HTTP routes refuse malformed input", () => {
  type Route = {
    method: string;
    path: string;
    token: string | undefined;
    valid: Record<string, Json>;
    optional?: string[];
    nullable?: string[];
  };
  /** Nested money and URLs: every way a price or picture can be wrong. */
  const badItemBodies: Json[] = [
    ...[-1, 0, 1.5, 1e12, 2 ** 53 + 2, "100", null].map((amount) => ({
      title: "A lamp",
      description: "Brass",
      price: { amount, currency: "usd" },
    })),
    ...["USD", "xxx", "", "usd\u0000", 1].map((currency) => ({
      title: "A lamp",
      description: "Brass",
      price: { amount: 100, currency },
    })),
    { title: "A lamp", description: "Brass", price: { amount: 100, currency: "usd", extra: 1 } },
    ...[
      "javascript:alert(1)",
      "data:text/html,<script>",
      "https://exa mple.com",
      "/uploads/../../etc",
      "\u0000",
    ].map((imageUrl) => ({
      title: "A lamp",
      description: "Brass",
      price: { amount: 100, currency: "usd" },
      imageUrl,
    })),
  ];
  const routes = (): Route[] => [
    {
      method: "POST",
      path: "/api/auth/register",
      token: undefined,
      valid: { username: "valid-name", password: "long enough pass", role: "buyer", displayName: "Val" },
      optional: ["displayName"],
    },
    {
      method: "POST",
      path: "/api/auth/login",
      token: undefined,
      valid: { username: "valid-name", password: "long enough pass" },
    },
    {
      method: "POST",
      path: "/api/items",
      token: seller.token,
      valid: {
        title: "A lamp",
        description: "Brass",
        price: { amount: 100, currency: "usd" },
        imageUrl: "https://example.com/a.png",
      },
      optional: ["imageUrl"],
      nullable: ["imageUrl"],
    },
    {
      method: "PATCH",
      path: `/api/items/${item.id}`,
      token: seller.token,
      valid: {
        title: "A lamp",
        description: "Brass",
        price: { amount: 100, currency: "usd" },
        imageUrl: "https://example.com/a.png",
      },
      // A PATCH changes any subset, so a missing field is valid and not tried.
      optional: ["title", "description", "price", "imageUrl"],
      nullable: ["imageUrl"],
    },
    {
      method: "POST",
      path: "/api/reports",
      token: buyer.token,
      valid: { itemId: item.id, seq: message.seq, reason: "spam" },
      optional: ["seq"],
    },
    {
      method: "POST",
      path: `/api/moderation/items/${item.id}/events/${message.seq}/hide`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
    {
      method: "POST",
      path: `/api/moderation/items/${item.id}/events/${message.seq}/restore`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
    {
      method: "POST",
      path: `/api/moderation/items/${item.id}/remove`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
    {
      method: "POST",
      path: `/api/moderation/users/${buyer.user.id}/suspend`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
    {
      method: "POST",
      path: `/api/moderation/users/${buyer.user.id}/reinstate`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
    {
      method: "POST",
      path: `/api/payments/${paymentId}/confirm`,
      token: buyer.token,
      valid: { card: { number: "4242424242424242", expMonth: 12, expYear: 2040, cvc: "123" } },
    },
    {
      method: "POST",
      path: `/api/moderation/reports/${crypto.randomUUID()}/resolve`,
      token: moderator.token,
      valid: { reason: "spam" },
    },
  ];

  it("answers every malformed body with a 4xx and a code, writes nothing, and stays healthy", async () => {
    const before = await counts();
    let tried = 0;
    for (const route of routes()) {
      for (const variant of variants(route.valid, route.optional, route.nullable)) {
        const label = `${route.method} ${route.path}: ${variant.name}`;
        expectClearRefusal(await send(route.method, route.path, route.token, variant), label);
        tried++;
      }
    }
    for (const body of badItemBodies) {
      expectClearRefusal(await send("POST", "/api/items", seller.token, { body }), JSON.stringify(body));
      expectClearRefusal(
        await send("PATCH", `/api/items/${item.id}`, seller.token, { body }),
        JSON.stringify(body),
      );
    }
    expect(tried).toBeGreaterThan(400);
    expect(await counts()).toEqual(before);
    await healthy();
    // The __proto__ attempt granted nothing to anyone.
    const me = await call<{ user: { role: string } }>(server.url, "GET", "/api/me", { token: buyer.token });
    expect(me.body.user.role).toBe("buyer");
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("refuses malformed ids, seqs and queries with 4xx", async () => {
    const before = await counts();
    const bad = [
      ["GET", "/api/items/not-a-uuid", buyer.token],
      ["POST", "/api/items/not-a-uuid/checkout", buyer.token],
      ["POST", `/api/items/${crypto.randomUUID()}/checkout`, buyer.token],
      ["POST", "/api/payments/not-a-uuid/confirm", buyer.token],
      ["POST", `/api/payments/${crypto.randomUUID()}/cancel`, buyer.token],
      ["GET", "/api/payments/'%20or%201=1--", buyer.token],
      ["GET", "/api/items/'%20or%201=1--", buyer.token],
      ["GET", `/api/items/${crypto.randomUUID()}`, buyer.token],
      ["GET", `/api/items/${item.id}/events?after=-1`, buyer.token],
      ["GET", `/api/items/${item.id}/events?limit=100000`, buyer.token],
      ["GET", `/api/items/${item.id}/events?after=1e3`, buyer.token],
      ["GET", `/api/items/${item.id}/events?after=1&after=2`, buyer.token],
      ["GET", "/api/items?limit=0", undefined],
      ["GET", "/api/items?limit=abc", undefined],
      ["GET", "/api/items?minPrice=-5", undefined],
      ["GET", "/api/items?maxPrice=99999999999999999999", undefined],
      ["GET", "/api/items?status=removed", undefined],
      ["GET", "/api/items?cursor=%27%3B%20drop%20table%20items", undefined],
      ["GET", "/api/items?sellerId=%3Cscript%3E", undefined],
      ["GET", "/api/items?q=%00", undefined],
      ["GET", `/api/items?q=${"a".repeat(5000)}`, undefined],
      ["POST", `/api/moderation/items/${item.id}/events/0/hide`, moderator.token],
      ["POST", `/api/moderation/items/${item.id}/events/-1/hide`, moderator.token],
      ["POST", `/api/moderation/items/${item.id}/events/99999999999/hide`, moderator.token],
      ["POST", `/api/moderation/items/${item.id}/events/1e2/hide`, moderator.token],
      ["POST", "/api/moderation/items/xyz/remove", moderator.token],
      ["POST", "/api/moderation/users/'--/suspend", moderator.token],
      ["GET", "/api/moderation/reports?status=all", moderator.token],
      ["GET", "/api/moderation/reports?limit=1000", moderator.token],
      ["GET", "/api/moderation/audit?cursor=-1", moderator.token],
      ["GET", "/api/moderation/audit?limit=0", moderator.token],
      ["GET", "/api/me", "not.a.token"],
      ["GET", "/api/me", `${"a".repeat(4000)}.b.c`],
      ["GET", "/api/nothing-here", undefined],
    ] as const;
    for (const [method, path, token] of bad) {
      const result = await send(method, path, token, method === "POST" ? { body: { reason: "spam" } } : {});
      expectClearRefusal(result, `${method} ${path.slice(0, 80)}`);
    }
    // A URL longer than Node accepts is refused before any route.
    const huge = await fetch(`${server.url}/api/items?q=${"a".repeat(100_000)}`);
    expect(huge.status).toBe(431);
    expect(await counts()).toEqual(before);
    await healthy();
  });

  it("stores SQL and HTML metacharacters in free text verbatim, as data", async () => {
    const text = `'; drop table items; -- <script>alert("x")</script> \u{1F600}`;
    const listed = await listItem(server.url, seller, { title: text.slice(0, 100), description: text });
    const fetched = await call<{ item: Item }>(server.url, "GET", `/api/items/${listed.id}`);
    expect(fetched.body.item.description).toBe(text);
    const found = await call<{ items: Item[] }>(
      server.url,
      "GET",
      `/api/items?q=${encodeURIComponent(text)}`,
    );
    expect(found.status).toBe(200);
    const [tables] = await server.db.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name in ('items', 'users', 'events')",
    );
    expect(tables?.n).toBe(3);
  });
});

describe("socket events refuse malformed input", () => {
  type SocketEvent = { event: string; token: string; valid: Record<string, Json>; optional?: string[] };
  const events = (): SocketEvent[] => [
    {
      event: "item:join",
      token: buyer.token,
      valid: { itemId: item.id, afterSeq: 0 },
      optional: ["afterSeq"],
    },
    { event: "item:leave", token: buyer.token, valid: { itemId: item.id } },
    {
      event: "message:send",
      token: buyer.token,
      valid: { itemId: item.id, text: "hi", clientMessageId: "abc-123" },
    },
    { event: "typing:set", token: buyer.token, valid: { itemId: item.id, typing: true } },
    { event: "moderation:watch", token: moderator.token, valid: {} },
  ];

  it("acks every malformed payload ok:false with a code, writes nothing, and stays healthy", async () => {
    const before = await counts();
    let tried = 0;
    for (const { event, token, valid, optional } of events()) {
      let socket: ClientSocket = await connect(server.url, token);
      for (const variant of variants(valid, optional)) {
        if (variant.raw !== undefined) continue; // raw bytes are tried at the transport below
        const label = `${event}: ${variant.name}`;
        if (variant.name.includes("1 MB")) {
          // Over the packet limit: the server drops the connection instead of reading it.
          const closed = new Promise((resolve) => socket.once("disconnect", resolve));
          socket.emit(event as "item:leave", variant.body as never, () => {});
          await closed;
          socket = await connect(server.url, token);
          continue;
        }
        const ack = await request(socket, event, variant.body);
        expect(ack.ok, label).toBe(false);
        if (!ack.ok) expect(ack.error.code, label).toMatch(/^(bad_request|not_found|forbidden)$/);
        tried++;
      }
      socket.close();
    }
    expect(tried).toBeGreaterThan(150);
    expect(await counts()).toEqual(before);
    await healthy();
  });

  it("answers unknown events, and survives events without an ack or with odd arguments", async () => {
    const socket = await connect(server.url, buyer.token);
    expect(await request(socket, "admin:drop", {})).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    // The handler map is the allow-list: what an object inherits is not an event.
    for (const event of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(await request(socket, event, {})).toMatchObject({ ok: false, error: { code: "not_found" } });
    }
    const raw = socket as unknown as { emit(...args: unknown[]): void };
    raw.emit("message:send", { itemId: item.id, text: "no ack", clientMessageId: "noack" });
    raw.emit("item:join");
    raw.emit("item:join", 1, 2, 3, 4);
    raw.emit("typing:set", { itemId: item.id, typing: true }, "not a function");
    expect(await request(socket, "item:leave", { itemId: item.id })).toMatchObject({ ok: true });
    socket.close();
    await healthy();
  });

  it("drops a connection that sends invalid UTF-8 in a frame, and keeps serving everyone else", async () => {
    const victim = await connect(server.url, buyer.token);
    const closed = new Promise((resolve) => victim.once("disconnect", resolve));
    const transport = (
      victim.io.engine as unknown as {
        transport: { ws: { send(data: Buffer, options: { binary: boolean }): void } };
      }
    ).transport;
    transport.ws.send(Buffer.from([0x34, 0x32, 0xff, 0xfe, 0xfd]), { binary: false });
    await closed;
    const other = await connect(server.url, seller.token);
    expect(await request(other, "item:join", { itemId: item.id })).toMatchObject({ ok: true });
    other.close();
    await healthy();
  });

  it("refuses handshakes with malformed auth", async () => {
    for (const auth of [
      { token: 42 },
      { token: { $ne: null } },
      { token: "x".repeat(10_000) },
      { token: "\u0000" },
    ]) {
      await expect(
        new Promise((resolve, reject) => {
          import("socket.io-client").then(({ io }) => {
            const socket = io(server.url, {
              auth,
              transports: ["websocket"],
              reconnection: false,
              forceNew: true,
            });
            socket.once("connect", () => {
              socket.close();
              resolve("connected");
            });
            socket.once("connect_error", (error) => {
              socket.close();
              reject(error);
            });
          }, reject);
        }),
      ).rejects.toThrow("unauthorized");
    }
    await healthy();
  });
});

describe("floods", () => {
  it("throttles one user's flood of messages while another user's messages still go through", async () => {
    const flood = await startServer({ env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "10" } });
    try {
      const [floodSeller, spammer, neighbour] = await Promise.all([
        signUp(flood.url, "seller"),
        signUp(flood.url, "buyer"),
        signUp(flood.url, "buyer"),
      ]);
      const room = await listItem(flood.url, floodSeller);
      const spam = await connect(flood.url, spammer.token);
      const calm = await connect(flood.url, neighbour.token);
      await requestOk(spam, "item:join", { itemId: room.id });
      await requestOk(calm, "item:join", { itemId: room.id });

      const flooding = Array.from({ length: 40 }, (_, index) =>
        request(spam, "message:send", {
          itemId: room.id,
          text: `spam ${index}`,
          clientMessageId: `spam-${index}`,
        }),
      );
      const started = performance.now();
      const calmAcks = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          request(calm, "message:send", {
            itemId: room.id,
            text: `hello ${index}`,
            clientMessageId: newClientMessageId(),
          }),
        ),
      );
      const calmMs = performance.now() - started;
      const spamAcks = await Promise.all(flooding);

      expect(calmAcks.every((ack) => ack.ok)).toBe(true);
      expect(spamAcks.filter((ack) => ack.ok)).toHaveLength(10);
      const refused = spamAcks.filter((ack) => !ack.ok);
      expect(refused).toHaveLength(30);
      for (const ack of refused) expect(ack).toMatchObject({ ok: false, error: { code: "rate_limited" } });
      expect(calmMs).toBeLessThan(5_000);
      const [events] = await flood.db.query<{ n: number }>(
        "select count(*)::int as n from events where item_id = $1",
        [room.id],
      );
      expect(events?.n).toBe(1 + 10 + 5);
      expect(await call(flood.url, "GET", "/api/health")).toMatchObject({ status: 200 });
      spam.close();
      calm.close();
    } finally {
      await flood.close();
    }
  });

  it("survives a burst of garbage requests from many connections at once", async () => {
    const before = await counts();
    const burst = Array.from({ length: 200 }, (_, index) =>
      send("POST", index % 2 ? "/api/auth/login" : "/api/items", seller.token, {
        raw: index % 3 ? "{".repeat(10_000) : JSON.stringify({ title: deep(500) }),
      }),
    );
    for (const result of await Promise.all(burst)) expectClearRefusal(result, "burst");
    expect(await counts()).toEqual(before);
    await healthy();
  });
});

describe("identity", () => {
  it("cannot self-register a moderator, even through __proto__", async () => {
    const username = uniqueName("sneaky");
    const response = await send("POST", "/api/auth/register", undefined, {
      raw: `{"__proto__":{"role":"moderator"},"username":"${username}","password":"long enough pass","role":"buyer"}`,
    });
    expect(response.status).toBe(400);
    const [row] = await server.db.query<{ n: number }>(
      "select count(*)::int as n from users where username = $1",
      [username],
    );
    expect(row?.n).toBe(0);
  });
});
