import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey } from "../server/integrations/api-keys.js";
import type { FeedEvent, WebhookDelivery, WebhookEndpoint } from "../shared/integrations.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { feedPage, makeApiKey, readFeed } from "./helpers/integrations.js";
import { createModerator } from "./helpers/moderators.js";
import { checkout } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { connect, eventually, sendMessage } from "./helpers/sockets.js";
import { type Answer, startReceiver } from "./helpers/webhook-receiver.js";

let server: TestServer;
let key: string;
let seller: Session;
let buyer: Session;
let moderator: Session;

beforeAll(async () => {
  server = await startServer({
    env: { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_SECONDS: "0.2,0.2,0.2", WEBHOOK_TIMEOUT_MS: "1000" },
  });
  key = await makeApiKey(server);
  seller = await signUp(server.url, "seller");
  buyer = await signUp(server.url, "buyer");
  moderator = await createModerator(server);
});

afterAll(async () => {
  await server.close();
});

/** The feed from the start, in full. */
const wholeFeed = async (types?: string) => (await readFeed(server.url, key, types ? { types } : {})).events;

describe("API keys", () => {
  it("open the feed and webhook endpoints, and nothing else", async () => {
    expect((await call(server.url, "GET", "/api/feed", { token: key })).status).toBe(200);
    expect((await call(server.url, "GET", "/api/webhook-endpoints", { token: key })).status).toBe(200);
    for (const [method, path] of [
      ["GET", "/api/me"],
      ["GET", "/api/items"],
      ["GET", "/api/health"],
      ["POST", "/api/items"],
      ["GET", "/api/moderation/reports"],
    ] as const) {
      const { status, body } = await call<{ error: { code: string } }>(server.url, method, path, {
        token: key,
      });
      expect({ path, status, code: body.error?.code }).toEqual({ path, status: 403, code: "forbidden" });
    }
  });

  it("are the only way to read the feed: sessions, moderators' included, are refused", async () => {
    expect((await call(server.url, "GET", "/api/feed")).status).toBe(401);
    expect((await call(server.url, "GET", "/api/feed", { token: seller.token })).status).toBe(403);
    expect((await call(server.url, "GET", "/api/feed", { token: moderator.token })).status).toBe(403);
    expect((await call(server.url, "GET", "/api/feed", { token: "parley_made-up" })).status).toBe(401);
    // Webhook endpoints: moderators yes, other users no.
    expect((await call(server.url, "GET", "/api/webhook-endpoints", { token: moderator.token })).status).toBe(
      200,
    );
    expect((await call(server.url, "GET", "/api/webhook-endpoints", { token: buyer.token })).status).toBe(
      403,
    );
  });

  it("stop working once revoked, everywhere", async () => {
    const other = await makeApiKey(server, "to revoke");
    expect((await call(server.url, "GET", "/api/feed", { token: other })).status).toBe(200);
    await revokeApiKey(server.db, other.slice(0, 15));
    const refused = await call<{ error: { message: string } }>(server.url, "GET", "/api/feed", {
      token: other,
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/revoked/);
    expect((await call(server.url, "GET", "/api/items", { token: other })).status).toBe(403);
    const [row] = await server.db.query<{ key_hash: string }>(
      "select key_hash from api_keys where prefix = $1",
      [other.slice(0, 15)],
    );
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.key_hash).not.toContain(other.slice(7));
  });
});

describe("the feed", () => {
  it("shows public types with public data only, in strictly increasing positions", async () => {
    const item = await listItem(server.url, seller, { title: "Feed lamp" });
    await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: { amount: 3000, currency: "usd" } },
    });
    const socket = await connect(server.url, buyer.token);
    const message = await sendMessage(socket, item.id, "my phone number is 555-0100");
    socket.close();
    await call(server.url, "POST", `/api/moderation/items/${item.id}/events/${message.event.seq}/hide`, {
      token: moderator.token,
      body: { reason: "contact details" },
    });
    const reserved = await checkout(server.url, buyer, item.id);
    expect(reserved.status).toBe(201);
    const suspended = await signUp(server.url, "buyer");
    await call(server.url, "POST", `/api/moderation/users/${suspended.user.id}/suspend`, {
      token: moderator.token,
      body: { reason: "a private reason about spam" },
    });

    let events: FeedEvent[] = [];
    await eventually(async () => {
      events = await wholeFeed();
      expect(events.map((e) => e.type)).toContain("user.suspended");
    });
    const positions = events.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const mine = events.filter((e) => e.resource.id === item.id || e.data.itemId === item.id);
    expect(mine.map((e) => e.type)).toEqual(["item.created", "item.updated", "deal.reserved"]);
    expect(mine[1]?.data).toMatchObject({
      previousPrice: { amount: 2500 },
      item: { price: { amount: 3000 } },
    });
    expect(mine[2]?.data).toEqual({
      transition: "checkout",
      from: null,
      to: "reserved",
      by: "buyer",
      itemId: item.id,
      buyerId: buyer.user.id,
      sellerId: seller.user.id,
      quantity: 1,
      unitPrice: { amount: 3000, currency: "usd" },
      shipping: null,
      total: { amount: 3000, currency: "usd" },
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain("555-0100");
    expect(text).not.toContain("private reason");
    expect(text).not.toContain("contact details");
    expect(events.some((e) => e.type.startsWith("message."))).toBe(false);
    expect(events.find((e) => e.type === "user.suspended")?.data).toEqual({ userId: suspended.user.id });
    expect(events[0]).toEqual({
      position: expect.any(Number),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: expect.any(String),
      createdAt: expect.stringMatching(/Z$/),
      resource: { type: expect.any(String), id: expect.any(String) },
      data: expect.any(Object),
    });
  });

  it("filters by types with wildcards, and pages with nextAfter", async () => {
    await listItem(server.url, seller, { title: "Filtered chair" });
    await eventually(async () => {
      expect((await wholeFeed("item.created")).length).toBeGreaterThanOrEqual(2);
    });
    const created = await wholeFeed("item.created");
    expect(created.every((e) => e.type === "item.created")).toBe(true);
    const deals = await wholeFeed("deal.*,user.*");
    expect(deals.length).toBeGreaterThan(0);
    expect(deals.every((e) => e.type.startsWith("deal.") || e.type.startsWith("user."))).toBe(true);
    const all = await wholeFeed();
    const first = await feedPage(server.url, key, "limit=2");
    expect(first.events).toEqual(all.slice(0, 2));
    expect(first.nextAfter).toBe(all[1]?.position);
    const second = await feedPage(server.url, key, `after=${first.nextAfter}&limit=2`);
    expect(second.events).toEqual(all.slice(2, 4));
    const end = await feedPage(server.url, key, `after=${all.at(-1)?.position}`);
    expect(end).toEqual({ events: [], nextAfter: all.at(-1)?.position });
    const bad = await call(server.url, "GET", "/api/feed?limit=101", { token: key });
    expect(bad.status).toBe(400);
    expect((await call(server.url, "GET", "/api/feed?types=DROP%20TABLE", { token: key })).status).toBe(400);
  });

  it("pages without gaps or repeats while writers commit concurrently", async () => {
    const start = (await readFeed(server.url, key)).after;
    const writers = Array.from({ length: 4 }, async () => {
      const writer = await signUp(server.url, "seller");
      for (let i = 0; i < 10; i++) await listItem(server.url, writer, { title: `Concurrent ${i}` });
    });
    let done = false;
    const writing = Promise.all(writers).finally(() => {
      done = true;
    });
    const seen: FeedEvent[] = [];
    let after = start;
    while (!done || after < (await lastPosition())) {
      const page = await feedPage(server.url, key, `after=${after}&limit=7&types=item.created`);
      seen.push(...page.events);
      after = page.nextAfter;
    }
    await writing;
    const positions = seen.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    const expected = await server.db.query<{ position: string }>(
      "select position from outbox where position > $1 and type = 'item.created' order by position",
      [start],
    );
    expect(positions).toEqual(expected.map((row) => Number(row.position)));
    expect(positions.length).toBe(40);
  });
});

async function lastPosition(): Promise<number> {
  await server.app.services.outbox.drain();
  const [row] = await server.db.query<{ top: string | null }>("select max(position) as top from outbox");
  return Number(row?.top ?? 0);
}

const createEndpoint = async (url: string, types: string[], token = key) =>
  call<{ endpoint: WebhookEndpoint }>(server.url, "POST", "/api/webhook-endpoints", {
    token,
    body: { url, types },
  });

const deliveriesOf = async (endpointId: string) =>
  (
    await call<{ deliveries: WebhookDelivery[] }>(
      server.url,
      "GET",
      `/api/webhook-endpoints/${endpointId}/deliveries`,
      { token: key },
    )
  ).body.deliveries;

describe("webhooks", () => {
  it("post each matching feed event, signed as Standard Webhooks verifies, and retry failures", async () => {
    // Fails twice, then takes it.
    const receiver = await startReceiver((_r, count) => ({ status: count <= 2 ? 500 : 204 }));
    const created = await createEndpoint(`${receiver.url}/hooks`, ["item.created"]);
    expect(created.status).toBe(201);
    const { endpoint } = created.body;
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(endpoint).toMatchObject({
      url: `${receiver.url}/hooks`,
      types: ["item.created"],
      disabledAt: null,
    });
    const listed = await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
      token: key,
    });
    expect(listed.body.endpoints.find((e) => e.id === endpoint.id)?.secret).toBeUndefined();

    const item = await listItem(server.url, seller, { title: "Hooked bicycle" });
    await eventually(() => expect(receiver.received.length).toBe(3), 10_000);
    const verifier = new Webhook(endpoint.secret ?? "");
    const ids = new Set<string>();
    for (const request of receiver.received) {
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      const event = verifier.verify(request.body, headers) as FeedEvent;
      expect(event.type).toBe("item.created");
      expect(event.resource.id).toBe(item.id);
      expect(headers["webhook-id"]).toBe(event.id);
      ids.add(event.id);
    }
    // The same event each time, and the same as the feed's.
    expect(ids.size).toBe(1);
    const inFeed = (await wholeFeed("item.created")).find((e) => e.resource.id === item.id);
    expect(JSON.parse(receiver.received[0]?.body ?? "")).toEqual(inFeed);
    // A forged signature is refused by the same verifier.
    expect(() =>
      verifier.verify(receiver.received[0]?.body.replace("Hooked", "Forged") ?? "", {
        "webhook-id": String(receiver.received[0]?.headers["webhook-id"]),
        "webhook-timestamp": String(receiver.received[0]?.headers["webhook-timestamp"]),
        "webhook-signature": String(receiver.received[0]?.headers["webhook-signature"]),
      }),
    ).toThrow();
    await eventually(async () => {
      const [delivery] = await deliveriesOf(endpoint.id);
      expect(delivery).toMatchObject({ status: "succeeded", attempts: 3, lastStatus: 204, lastError: null });
    });
    await receiver.close();
  });

  it("give up after the last retry, and resend on a moderator's request", async () => {
    const receiver = await startReceiver(() => ({ status: 500 }));
    const { endpoint } = (await createEndpoint(receiver.url, ["item.*"], moderator.token)).body;
    await listItem(server.url, seller, { title: "Refused table" });
    await eventually(() => expect(receiver.received.length).toBe(4), 10_000);
    const [failed] = await deliveriesOfAsModerator(endpoint.id);
    await eventually(async () => {
      expect((await deliveriesOfAsModerator(endpoint.id))[0]).toMatchObject({
        status: "failed",
        attempts: 4,
        lastStatus: 500,
      });
    });
    // The endpoint stays enabled (five days of failures disable it, not one event).
    expect((await listAsModerator()).find((e) => e.id === endpoint.id)?.disabledAt).toBeNull();
    receiver.respond = () => ({ status: 200 });
    const resent = await call<{ delivery: WebhookDelivery }>(
      server.url,
      "POST",
      `/api/webhook-endpoints/${endpoint.id}/deliveries/${failed?.id}/resend`,
      { token: moderator.token },
    );
    expect(resent.status).toBe(200);
    await eventually(() => expect(receiver.received.length).toBe(5));
    expect(receiver.received[4]?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
    // An API key sees its own endpoints only: the moderator's is not its to see.
    expect(
      (await call(server.url, "GET", `/api/webhook-endpoints/${endpoint.id}/deliveries`, { token: key }))
        .status,
    ).toBe(404);
    await receiver.close();
  });

  it("honour Retry-After on 429, and disable an endpoint that answers 410", async () => {
    const answers: Answer[] = [{ status: 429, headers: { "retry-after": "2" } }, { status: 410 }];
    const receiver = await startReceiver((_r, count) => answers[count - 1] ?? { status: 200 });
    const { endpoint } = (await createEndpoint(receiver.url, ["item.created"])).body;
    await listItem(server.url, seller, { title: "Busy endpoint" });
    await eventually(() => expect(receiver.received.length).toBe(2), 10_000);
    const [first, second] = receiver.received;
    // The schedule says 0.2 s; the endpoint asked for 2.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    await eventually(async () => {
      const listed = (
        await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
          token: key,
        })
      ).body.endpoints;
      expect(listed.find((e) => e.id === endpoint.id)).toMatchObject({
        disabledAt: expect.any(String),
        disabledReason: expect.stringMatching(/410/),
      });
    });
    // Disabled: nothing more is sent.
    await listItem(server.url, seller, { title: "After the 410" });
    await lastPosition();
    await server.app.services.outboxReaders.run();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.length).toBe(2);
    await receiver.close();
  });

  it("count an endpoint that does not answer in time as a failure, and retry it", async () => {
    const receiver = await startReceiver((_r, count) => (count === 1 ? { hang: true } : { status: 200 }));
    const { endpoint } = (await createEndpoint(receiver.url, ["item.created"])).body;
    await listItem(server.url, seller, { title: "Slow endpoint" });
    await eventually(async () => {
      expect((await deliveriesOf(endpoint.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    }, 10_000);
    const [first, second] = receiver.received;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    await receiver.close();
  });

  it("disable an endpoint after five days of failures", async () => {
    const receiver = await startReceiver(() => ({ status: 502 }));
    const { endpoint } = (await createEndpoint(receiver.url, ["item.created"])).body;
    await server.db.query(
      "update webhook_endpoints set failing_since = now() - interval '5 days 1 minute' where id = $1",
      [endpoint.id],
    );
    await listItem(server.url, seller, { title: "Still failing" });
    await eventually(async () => {
      const listed = (
        await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
          token: key,
        })
      ).body.endpoints;
      expect(listed.find((e) => e.id === endpoint.id)?.disabledReason).toMatch(/5 days/);
    }, 10_000);
    await receiver.close();
  });

  it("refuse types that are not the feed's, and delete endpoints", async () => {
    const refused = await createEndpoint("http://127.0.0.1:9/x", ["message.created"]);
    expect(refused.status).toBe(400);
    const { endpoint } = (await createEndpoint("http://127.0.0.1:9/x", ["deal.paid", "review.*"])).body;
    expect(
      (await call(server.url, "DELETE", `/api/webhook-endpoints/${endpoint.id}`, { token: key })).status,
    ).toBe(204);
    expect(
      (await call(server.url, "DELETE", `/api/webhook-endpoints/${endpoint.id}`, { token: key })).status,
    ).toBe(404);
  });
});

const deliveriesOfAsModerator = async (endpointId: string) =>
  (
    await call<{ deliveries: WebhookDelivery[] }>(
      server.url,
      "GET",
      `/api/webhook-endpoints/${endpointId}/deliveries`,
      { token: moderator.token },
    )
  ).body.deliveries;

const listAsModerator = async () =>
  (
    await call<{ endpoints: WebhookEndpoint[] }>(server.url, "GET", "/api/webhook-endpoints", {
      token: moderator.token,
    })
  ).body.endpoints;

describe("webhooks to private addresses", () => {
  let guarded: TestServer;
  let guardedKey: string;

  beforeAll(async () => {
    guarded = await startServer({ env: { WEBHOOK_RETRY_SECONDS: "0.2" } });
    guardedKey = await makeApiKey(guarded);
  });

  afterAll(async () => {
    await guarded.close();
  });

  it("are refused when the endpoint is created", async () => {
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://localhost/hook",
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://[fd00::1]/hook",
      "http://0.0.0.0/hook",
    ]) {
      const { status, body } = await call<{ error: { message: string } }>(
        guarded.url,
        "POST",
        "/api/webhook-endpoints",
        {
          token: guardedKey,
          body: { url, types: ["*"] },
        },
      );
      expect({ url, status }).toEqual({ url, status: 400 });
      expect(body.error.message).toMatch(/not a public internet address|does not resolve/);
    }
  });

  it("are refused at delivery too (an address that changed since)", async () => {
    const receiver = await startReceiver();
    // As if its name had resolved to a public address at creation and to this one now.
    const [keyRow] = await guarded.db.query<{ id: string }>("select id from api_keys limit 1");
    const endpointId = crypto.randomUUID();
    await guarded.db.query(
      `insert into webhook_endpoints (id, url, types, secret, api_key_id) values ($1, $2, '["*"]', $3, $4)`,
      [
        endpointId,
        receiver.url,
        `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`,
        keyRow?.id,
      ],
    );
    const seller2 = await signUp(guarded.url, "seller");
    await listItem(guarded.url, seller2, { title: "Never delivered" });
    await eventually(async () => {
      const { body } = await call<{ deliveries: WebhookDelivery[] }>(
        guarded.url,
        "GET",
        `/api/webhook-endpoints/${endpointId}/deliveries`,
        { token: guardedKey },
      );
      expect(body.deliveries[0]).toMatchObject({ status: "failed", lastStatus: null });
      expect(body.deliveries[0]?.lastError).toMatch(/not a public internet address/);
    }, 10_000);
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });
});
