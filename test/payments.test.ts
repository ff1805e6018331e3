import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import type { Payment } from "../shared/payments.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import {
  CARDS,
  cancel,
  card,
  checkout,
  confirm,
  itemOf,
  paymentEvents,
  paymentOf,
} from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connect,
  eventually,
  requestOk,
  subscribeItems,
} from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

async function socketIn(session: Session, itemId: string): Promise<ClientSocket> {
  const socket = await connect(server.url, session.token);
  sockets.push(socket);
  await requestOk(socket, "item:join", { itemId });
  return socket;
}

describe("GET /api/config", () => {
  it("names the simulated processor and no Stripe key when none is configured", async () => {
    const { status, body } = await call(server.url, "GET", "/api/config");
    expect(status).toBe(200);
    expect(body).toEqual({
      paymentProvider: "simulated",
      stripePublishableKey: null,
      checkoutHoldSeconds: 900,
    });
  });
});

describe("checkout (simulated processor)", () => {
  it("reserves the item at the server's price and tells every socket", async () => {
    const item = await listItem(server.url, seller, { price: { amount: 4250, currency: "eur" } });
    const watcher = await connect(server.url, seller.token);
    sockets.push(watcher);
    await subscribeItems(watcher);
    const changes = collect(watcher, "items:changed");

    const { status, body } = await checkout(server.url, buyer, item.id);
    expect(status).toBe(201);
    expect(body.payment).toMatchObject({
      itemId: item.id,
      buyerId: buyer.user.id,
      status: "requires_payment",
      provider: "simulated",
      amount: { amount: 4250, currency: "eur" },
      clientSecret: null,
      failureCode: null,
    });
    const holdMs = Date.parse(body.payment.expiresAt) - Date.parse(body.payment.createdAt);
    expect(holdMs).toBeGreaterThan(899_000);
    expect(holdMs).toBeLessThan(901_000);
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
    await eventually(() =>
      expect(changes.some((change) => change.item.id === item.id && change.item.status === "reserved")).toBe(
        true,
      ),
    );
  });

  it("gives the same buyer the same open payment again with 201; another buyer gets 409 item_reserved", async () => {
    const item = await listItem(server.url, seller);
    const first = await checkout(server.url, buyer, item.id);
    const again = await checkout(server.url, buyer, item.id);
    expect(again.status).toBe(201);
    expect(again.body.payment.id).toBe(first.body.payment.id);
    const other = await signUp(server.url, "buyer");
    const refused = await checkout(server.url, other, item.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "item_reserved" } });
  });

  // v2 amendment 1: sellers are buyers who also list; only the item's own seller and moderators are refused.
  it("refuses the item's seller, moderators and the unauthenticated; another seller may buy", async () => {
    const item = await listItem(server.url, seller);
    const own = await checkout(server.url, seller, item.id);
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({ error: { code: "forbidden" } });
    const moderator = await createModerator(server);
    expect((await checkout(server.url, moderator, item.id)).status).toBe(403);
    const anonymous = await call(server.url, "POST", `/api/items/${item.id}/checkout`);
    expect(anonymous.status).toBe(401);
    expect((await itemOf(server.url, item.id)).status).toBe("available");
    const otherSeller = await signUp(server.url, "seller");
    expect((await checkout(server.url, otherSeller, item.id)).status).toBe(201);
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
  });

  it("answers 404 for an unknown item and 400 for a malformed id", async () => {
    expect((await checkout(server.url, buyer, "3f1c1c5e-8a4f-4c1e-9d1a-2b6f0e7a9c11")).status).toBe(404);
    expect((await checkout(server.url, buyer, "not-a-uuid")).status).toBe(400);
  });

  it("refuses a sold item with 409 item_sold", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    expect((await confirm(server.url, buyer, body.payment.id)).status).toBe(200);
    const late = await checkout(server.url, await signUp(server.url, "buyer"), item.id);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: "item_sold" } });
    const again = await checkout(server.url, buyer, item.id);
    expect(again.body).toMatchObject({ error: { code: "item_sold" } });
  });

  it("refuses a removed item with 409 item_removed", async () => {
    const item = await listItem(server.url, seller);
    await server.db.query("update items set status = 'removed' where id = $1", [item.id]);
    const refused = await checkout(server.url, buyer, item.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "item_removed" } });
  });

  it("takes the price from the item row, never from the request", async () => {
    const item = await listItem(server.url, seller, { price: { amount: 9900, currency: "usd" } });
    const { status, body } = await call<{ payment: Payment }>(
      server.url,
      "POST",
      `/api/items/${item.id}/checkout`,
      { token: buyer.token, body: { amount: { amount: 1, currency: "usd" } } },
    );
    expect(status).toBe(201);
    expect(body.payment.amount).toEqual({ amount: 9900, currency: "usd" });
  });
});

describe("paying (simulated processor)", () => {
  it.each([
    [CARDS.succeeds, "succeeded", null],
    [CARDS.declined, "failed", "card_declined"],
    [CARDS.insufficientFunds, "failed", "insufficient_funds"],
    [CARDS.unknown, "failed", "card_declined"],
    ["4242 4242 4242 4242", "succeeded", null],
  ])("card %s gives %s %s", async (number, status, failureCode) => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const paid = await confirm(server.url, buyer, body.payment.id, number);
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ status, failureCode });
    expect((await itemOf(server.url, item.id)).status).toBe(status === "succeeded" ? "sold" : "reserved");
    const events = await paymentEvents(server.url, buyer, item.id);
    expect(events.map((event) => event.body)).toEqual([
      {
        paymentId: body.payment.id,
        status,
        amount: { amount: 2500, currency: "usd" },
        buyer: { id: buyer.user.id, username: buyer.user.username },
        provider: "simulated",
        ...(failureCode ? { failureCode } : {}),
      },
    ]);
    expect(events[0]?.author).toBeNull();
  });

  it("declines, lets the buyer retry while the hold lasts, then sells; every socket sees it live", async () => {
    const item = await listItem(server.url, seller);
    const rooms = await Promise.all([socketIn(seller, item.id), socketIn(buyer, item.id)]);
    const outsider = await connect(server.url, (await signUp(server.url, "buyer")).token);
    sockets.push(outsider);
    await subscribeItems(outsider);
    const seen = rooms.map((socket) => collect(socket, "item:event"));
    const changes = collect(outsider, "items:changed");

    const { body } = await checkout(server.url, buyer, item.id);
    // v2 amendment 2: the decline is private, in the deal's thread, which the buyer's socket follows.
    const thread = rooms[1]!;
    await requestOk(thread, "deal:join", { dealId: body.deal.id });
    const private_ = collect(thread, "deal:event");
    const declined = await confirm(server.url, buyer, body.payment.id, CARDS.declined);
    expect(declined.body.payment).toMatchObject({ status: "failed", failureCode: "card_declined" });
    // The hold stands after a decline: nobody else can take the item.
    expect((await checkout(server.url, await signUp(server.url, "buyer"), item.id)).status).toBe(409);
    const again = await checkout(server.url, buyer, item.id);
    expect(again.body.payment).toMatchObject({ id: body.payment.id, status: "failed" });

    const paid = await confirm(server.url, buyer, body.payment.id, CARDS.succeeds);
    expect(paid.body.payment).toMatchObject({ status: "succeeded", failureCode: null });
    // The room sees the sale only; the thread sees the decline, then the success.
    for (const events of seen) {
      await eventually(() =>
        expect(events.map(({ event }) => [event.type, bodyOf(event, "custom:payment")?.status])).toEqual([
          ["custom:payment", "succeeded"],
        ]),
      );
    }
    await eventually(() =>
      expect(private_.map(({ event }) => bodyOf(event, "custom:payment")?.status).filter(Boolean)).toEqual([
        "failed",
        "succeeded",
      ]),
    );
    await eventually(() =>
      expect(changes.filter((c) => c.item.id === item.id).map((c) => c.item.status)).toEqual([
        "reserved",
        "sold",
      ]),
    );
  });

  it("sells once however often the buyer confirms, concurrently or later", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => confirm(server.url, buyer, body.payment.id, CARDS.succeeds)),
    );
    expect(results.map((result) => [result.status, result.body.payment.status])).toEqual(
      Array.from({ length: 5 }, () => [200, "succeeded"]),
    );
    expect((await confirm(server.url, buyer, body.payment.id, CARDS.declined)).body.payment.status).toBe(
      "succeeded",
    );
    const events = await paymentEvents(server.url, buyer, item.id);
    expect(events.map((event) => event.body.status)).toEqual(["succeeded"]);
  });

  it("validates the card strictly", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const path = `/api/payments/${body.payment.id}/confirm`;
    for (const bad of [
      {},
      { card: { ...card(CARDS.succeeds), extra: 1 } },
      { card: { ...card(CARDS.succeeds), number: "4242-abcd" } },
      { card: { ...card(CARDS.succeeds), expMonth: 13 } },
      { card: card(CARDS.succeeds), amount: 1 },
    ]) {
      const response = await call(server.url, "POST", path, { token: buyer.token, body: bad });
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "bad_request" } });
    }
    expect((await paymentOf(server.url, buyer, body.payment.id)).status).toBe("requires_payment");
  });

  it("lets only the paying buyer see, confirm or cancel a payment", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const other = await signUp(server.url, "buyer");
    for (const session of [other, seller]) {
      expect((await confirm(server.url, session, body.payment.id)).status).toBe(403);
      expect((await cancel(server.url, session, body.payment.id)).status).toBe(403);
      const read = await call(server.url, "GET", `/api/payments/${body.payment.id}`, {
        token: session.token,
      });
      expect(read.status).toBe(403);
    }
    const anonymous = await call(server.url, "POST", `/api/payments/${body.payment.id}/confirm`, {
      body: { card: card(CARDS.succeeds) },
    });
    expect(anonymous.status).toBe(401);
    expect((await call(server.url, "POST", `/api/payments/${body.payment.id}/cancel`)).status).toBe(401);
    expect((await confirm(server.url, buyer, "3f1c1c5e-8a4f-4c1e-9d1a-2b6f0e7a9c11")).status).toBe(404);
    expect((await paymentOf(server.url, buyer, body.payment.id)).status).toBe("requires_payment");
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
  });

  it("cancel releases the hold for everyone; a canceled payment cannot be paid", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const canceled = await cancel(server.url, buyer, body.payment.id);
    expect(canceled.status).toBe(200);
    expect(canceled.body.payment.status).toBe("canceled");
    expect((await cancel(server.url, buyer, body.payment.id)).status).toBe(200);
    expect((await itemOf(server.url, item.id)).status).toBe("available");
    const late = await confirm(server.url, buyer, body.payment.id);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: "payment_not_open" } });
    const next = await checkout(server.url, await signUp(server.url, "buyer"), item.id);
    expect(next.status).toBe(201);
  });

  it("refuses to cancel a paid payment", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    await confirm(server.url, buyer, body.payment.id);
    const refused = await cancel(server.url, buyer, body.payment.id);
    expect(refused.status).toBe(409);
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
  });
});

describe("20 buyers, one item", () => {
  it("reserves for exactly one; after payment every socket in the room sees one sale", async () => {
    const item = await listItem(server.url, seller);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => signUp(server.url, "buyer")));
    const room = await Promise.all([seller, ...buyers].map((session) => socketIn(session, item.id)));
    const seen = room.map((socket) => collect(socket, "item:event"));
    const changes = room.map((socket) => collect(socket, "items:changed"));

    const attempts = await Promise.all(buyers.map((session) => checkout(server.url, session, item.id)));
    const statuses = attempts.map((attempt) => attempt.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    for (const attempt of attempts.filter((a) => a.status === 409)) {
      expect(attempt.body).toMatchObject({ error: { code: "item_reserved" } });
    }
    const winnerIndex = attempts.findIndex((attempt) => attempt.status === 201);
    const winner = buyers[winnerIndex]!;
    const payment = attempts[winnerIndex]!.body.payment;

    // Everyone, the winner included, presses "pay" at once; only the winner may.
    const paying = await Promise.all(
      buyers.map((session) => confirm(server.url, session, payment.id, CARDS.succeeds)),
    );
    expect(paying.filter((p) => p.status === 200)).toHaveLength(1);
    expect(paying.filter((p) => p.status === 403)).toHaveLength(19);

    expect((await itemOf(server.url, item.id)).status).toBe("sold");
    const history = await paymentEvents(server.url, winner, item.id);
    expect(history.map((event) => event.body)).toEqual([
      expect.objectContaining({ paymentId: payment.id, status: "succeeded" }),
    ]);
    for (const [index, events] of seen.entries()) {
      await eventually(() =>
        expect(
          events.map(({ event }) => bodyOf(event, "custom:payment")?.status).filter(Boolean),
          `socket ${index}`,
        ).toEqual(["succeeded"]),
      );
      await eventually(() =>
        expect(changes[index]?.filter((c) => c.item.id === item.id).map((c) => c.item.status)).toEqual([
          "reserved",
          "sold",
        ]),
      );
    }
    const [row] = await server.db.query<{ count: number }>(
      "select count(*)::int as count from payments where item_id = $1",
      [item.id],
    );
    expect(row?.count).toBe(1);
    const sold: Item = await itemOf(server.url, item.id);
    expect(sold.status).toBe("sold");
  });
});
