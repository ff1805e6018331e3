import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckoutRequest, Deal, ProcessList } from "../shared/deals.js";
import { bodyOf, type DealEvent, type ItemEvent } from "../shared/events.js";
import type { Payment } from "../shared/payments.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { confirm, itemOf } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, collect, connect, eventually, request, requestOk } from "./helpers/sockets.js";

// Orders after payment over HTTP and sockets, with the simulated processor, and short fulfilment timers.
let server: TestServer;
let seller: Session;
let buyer: Session;
let moderator: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer({ env: { AUTO_COMPLETE_SECONDS: "3600", SHIP_BY_SECONDS: "600" } });
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
  moderator = await createModerator(server);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
});

const POST = { id: "post", name: "Tracked post", cost: { amount: 700, currency: "usd" as const } };
const ADDRESS = { name: "Noor", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };

/** A paid order: `quantity` units of a fresh item at 2500 each, shipped by post (700) unless `pickup`. */
async function paidOrder({ quantity = 1, pickup = false } = {}): Promise<Deal> {
  const item = await listItem(server.url, seller, { quantity: 3, shippingOptions: [POST] });
  const terms: CheckoutRequest = pickup
    ? { quantity }
    : { quantity, shippingOptionId: "post", shippingAddress: ADDRESS };
  const { status, body } = await call<{ payment: Payment; deal: Deal }>(
    server.url,
    "POST",
    `/api/items/${item.id}/checkout`,
    { token: buyer.token, body: terms },
  );
  expect(status).toBe(201);
  expect((await confirm(server.url, buyer, body.payment.id)).status).toBe(200);
  return (await dealAs(buyer, body.deal.id)).body.deal;
}

const dealAs = (session: Session, id: string) =>
  call<{ deal: Deal }>(server.url, "GET", `/api/deals/${id}`, { token: session.token });

const take = (session: Session, id: string, name: string, body: unknown = {}) =>
  call<{ deal: Deal }>(server.url, "POST", `/api/deals/${id}/transitions/${name}`, {
    token: session.token,
    body,
  });

const threadOf = async (session: Session, id: string) =>
  (
    await call<{ events: DealEvent[] }>(server.url, "GET", `/api/deals/${id}/events`, {
      token: session.token,
    })
  ).body.events;

async function socketOf(session: Session): Promise<ClientSocket> {
  const socket = await connect(server.url, session.token);
  sockets.push(socket);
  return socket;
}

describe("GET /api/processes", () => {
  it("shows fulfilment in every process, with its timers, conditions and params", async () => {
    const { body } = await call<ProcessList>(server.url, "GET", "/api/processes");
    for (const process of body.processes) {
      expect(process.states).toEqual(
        expect.arrayContaining(["paid", "shipped", "completed", "disputed", "refunded"]),
      );
      const byName = (name: string) => process.transitions.filter((t) => t.name === name);
      expect(byName("ship")).toEqual([
        expect.objectContaining({
          from: ["paid"],
          to: "shipped",
          actor: "seller",
          params: expect.any(Object),
        }),
      ]);
      expect(byName("confirm-received")).toEqual([
        expect.objectContaining({ from: ["paid", "shipped"], to: "completed", actor: "buyer" }),
      ]);
      expect(byName("dispute")[0]).toMatchObject({
        from: ["paid", "shipped"],
        to: "disputed",
        actor: "buyer",
      });
      expect(byName("cancel-order")[0]).toMatchObject({ from: ["paid"], to: "refunded", actor: "seller" });
      expect(byName("resolve").map((t) => [t.to, t.actor])).toEqual([
        ["refunded", "moderator"],
        ["completed", "moderator"],
      ]);
      expect(byName("auto-complete").map((t) => [t.from, t.afterSeconds, t.when])).toEqual([
        [["shipped"], 3600, undefined],
        [["paid"], 3600, "no-shipping"],
      ]);
      expect(byName("auto-cancel")[0]).toMatchObject({
        from: ["paid"],
        to: "refunded",
        actor: "system",
        afterSeconds: 600,
        when: "shipping",
      });
    }
  });
});

describe("an order after payment", () => {
  it("runs paid → shipped → completed with the right steps for each side and the next timer as the deadline", async () => {
    const deal = await paidOrder({ quantity: 2 });
    expect(deal).toMatchObject({
      state: "paid",
      quantity: 2,
      total: { amount: 5700, currency: "usd" },
      transitions: ["confirm-received", "dispute"],
    });
    const shipBy = Date.parse(deal.updatedAt) + 600_000;
    expect(Math.abs(Date.parse(deal.nextDeadline ?? "") - shipBy)).toBeLessThan(5_000);
    expect((await dealAs(seller, deal.id)).body.deal.transitions).toEqual(["ship", "cancel-order"]);
    expect((await dealAs(moderator, deal.id)).body.deal.transitions).toEqual([]);

    const sellerSocket = await socketOf(seller);
    const changes = collect(sellerSocket, "deal:changed");
    const refusedBuyer = await take(buyer, deal.id, "ship");
    expect(refusedBuyer.status).toBe(403);
    expect(refusedBuyer.body).toMatchObject({
      error: { code: "forbidden", message: "Only the seller may ship this deal" },
    });
    const shipped = await take(seller, deal.id, "ship", { carrier: "DHL", trackingNumber: "JD014600" });
    expect(shipped.status).toBe(200);
    expect(shipped.body.deal).toMatchObject({ state: "shipped", transitions: [] });
    const autoComplete = Date.parse(shipped.body.deal.updatedAt) + 3_600_000;
    expect(Math.abs(Date.parse(shipped.body.deal.nextDeadline ?? "") - autoComplete)).toBeLessThan(5_000);
    const again = await take(seller, deal.id, "ship");
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "invalid_transition" } });

    expect((await dealAs(buyer, deal.id)).body.deal.transitions).toEqual(["confirm-received", "dispute"]);
    const received = await take(buyer, deal.id, "confirm-received");
    expect(received.body.deal).toMatchObject({ state: "completed", transitions: [] });
    // A completed deal's one timer left is the end of its review window (reviews publish then at the latest).
    expect(Date.parse(received.body.deal.nextDeadline ?? "") - Date.now()).toBeGreaterThan(
      13 * 24 * 3600 * 1000,
    );
    // The socket connected just after the payment, whose own change may still reach it first.
    await eventually(() => {
      const states = changes.filter((c) => c.deal.id === deal.id).map((c) => c.deal.state);
      expect(states.slice(states.lastIndexOf("paid") + 1)).toEqual(["shipped", "completed"]);
    });
    const steps = (await threadOf(seller, deal.id)).flatMap((event) => {
      const body = bodyOf(event, "custom:deal");
      return body ? [`${body.transition}:${body.by}`] : [];
    });
    expect(steps).toEqual(["checkout:buyer", "pay:system", "ship:seller", "confirm-received:buyer"]);
    // The units stay sold.
    expect(await itemOf(server.url, deal.itemId)).toMatchObject({ quantityAvailable: 1 });
  });

  it("cancel-order refunds a multi-unit order in full, in the thread only; the units stay sold", async () => {
    const deal = await paidOrder({ quantity: 2 });
    const noReason = await take(seller, deal.id, "cancel-order", {});
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ error: { code: "bad_request", message: "Say why" } });
    expect((await take(buyer, deal.id, "cancel-order", { reason: "x" })).status).toBe(403);
    const canceled = await take(seller, deal.id, "cancel-order", { reason: "It broke in the shop" });
    expect(canceled.body.deal).toMatchObject({
      state: "refunded",
      payment: { status: "refunded", amount: { amount: 5700 }, refunded: { amount: 5700, currency: "usd" } },
      nextDeadline: null,
    });
    const thread = await threadOf(buyer, deal.id);
    expect(
      thread.flatMap((event) => (bodyOf(event, "custom:payment")?.status === "refunded" ? [event] : [])),
    ).toHaveLength(1);
    expect(bodyOf(thread.at(-1)!, "custom:deal")).toMatchObject({
      transition: "cancel-order",
      params: { reason: "It broke in the shop" },
    });
    const room = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${deal.itemId}/events`, {
      token: buyer.token,
    });
    expect(room.body.events.flatMap((e) => bodyOf(e, "custom:payment")?.status ?? [])).toEqual(["succeeded"]);
    expect(await itemOf(server.url, deal.itemId)).toMatchObject({ quantityAvailable: 1 });
    // The simulated processor's refund was made after commit and recorded.
    await eventually(async () => {
      const [row] = await server.db.query<{ refund_ref: string | null }>(
        "select refund_ref from payments where deal_id = $1",
        [deal.id],
      );
      expect(row?.refund_ref).toMatch(/^sim_re_/);
    });
  });

  it("a dispute settled by a moderator in the thread: they read it, write while it is disputed, refund part", async () => {
    const deal = await paidOrder();
    const modSocket = await socketOf(moderator);
    const message = (text: string) =>
      request(modSocket, "message:send", { dealId: deal.id, text, clientMessageId: newClientMessageId() });
    // Not disputed: the thread is the parties' own.
    expect(await message("Hello")).toMatchObject({ ok: false, error: { code: "forbidden" } });
    await take(seller, deal.id, "ship", { carrier: "USPS" });
    const disputed = await take(buyer, deal.id, "dispute", { reason: "The box was empty" });
    expect(disputed.body.deal).toMatchObject({ state: "disputed", nextDeadline: null, transitions: [] });
    expect((await dealAs(moderator, deal.id)).body.deal.transitions).toEqual(["resolve"]);
    const listed = await call<{ deals: Deal[] }>(server.url, "GET", "/api/deals?state=disputed&limit=100", {
      token: moderator.token,
    });
    expect(listed.body.deals.map((d) => d.id)).toContain(deal.id);

    const buyerSocket = await socketOf(buyer);
    await requestOk(buyerSocket, "deal:join", { dealId: deal.id });
    const heard = collect(buyerSocket, "deal:event");
    const joined = await requestOk<{ deal: Deal; events: DealEvent[] }>(modSocket, "deal:join", {
      dealId: deal.id,
    });
    expect(joined.deal.state).toBe("disputed");
    expect(await message("I am looking into this; please send a photo.")).toMatchObject({ ok: true });
    await eventually(() =>
      expect(heard.map(({ event }) => bodyOf(event, "text")?.text)).toContain(
        "I am looking into this; please send a photo.",
      ),
    );
    const [written] = heard.filter(({ event }) => event.type === "text");
    expect(written?.event.author).toMatchObject({ id: moderator.user.id, role: "moderator" });

    for (const session of [buyer, seller]) {
      expect((await take(session, deal.id, "resolve", { outcome: "release" })).status).toBe(403);
    }
    const tooMuch = await take(moderator, deal.id, "resolve", {
      outcome: "refund",
      amount: { amount: 3201, currency: "usd" },
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body).toMatchObject({ error: { message: "Refund at most the total, $32.00" } });
    const half = await take(moderator, deal.id, "resolve", {
      outcome: "refund",
      amount: { amount: 1600, currency: "usd" },
    });
    expect(half.status).toBe(200);
    expect(half.body.deal).toMatchObject({
      state: "refunded",
      payment: { status: "refunded", refunded: { amount: 1600, currency: "usd" } },
    });
    await eventually(() =>
      expect(heard.flatMap(({ event }) => bodyOf(event, "custom:payment")?.amount ?? [])).toEqual([
        { amount: 1600, currency: "usd" },
      ]),
    );
    // Settled: the moderator's part in the thread ends.
    expect(await message("One more thing")).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const outsider = await signUp(server.url, "buyer");
    expect((await take(outsider, deal.id, "resolve", { outcome: "release" })).status).toBe(404);
  });

  it("a pickup order completes by itself; an order not shipped in time is canceled and refunded", async () => {
    const fast = await startServer({ env: { AUTO_COMPLETE_SECONDS: "1", SHIP_BY_SECONDS: "1" } });
    try {
      const [s, b] = await Promise.all([signUp(fast.url, "seller"), signUp(fast.url, "buyer")]);
      const item = await listItem(fast.url, s, { quantity: 2, shippingOptions: [POST] });
      const buy = async (terms: CheckoutRequest) => {
        const { body } = await call<{ payment: Payment; deal: Deal }>(
          fast.url,
          "POST",
          `/api/items/${item.id}/checkout`,
          { token: b.token, body: terms },
        );
        await confirm(fast.url, b, body.payment.id);
        return body.deal.id;
      };
      const pickup = await buy({});
      const posted = await buy({ shippingOptionId: "post", shippingAddress: ADDRESS });
      const stateOf = async (id: string) =>
        (await call<{ deal: Deal }>(fast.url, "GET", `/api/deals/${id}`, { token: b.token })).body.deal;
      await eventually(async () => expect((await stateOf(pickup)).state).toBe("completed"), 15_000);
      await eventually(async () => expect((await stateOf(posted)).state).toBe("refunded"), 15_000);
      expect((await stateOf(posted)).payment?.refunded).toEqual({ amount: 3200, currency: "usd" });
    } finally {
      await fast.close();
    }
  });
});
