import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal, OfferList } from "../shared/deals.js";
import { bodyOf, type DealEvent, type ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { jsonNumber } from "./helpers/json.js";
import { createModerator } from "./helpers/moderators.js";
import { checkout, confirm, itemOf } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connectAnonymous,
  eventually,
  subscribeItems,
} from "./helpers/sockets.js";

/** Offers over HTTP and sockets, on PGlite or (with DATABASE_URL) a PostgreSQL server. */
let server: TestServer;
let seller: Session;
let alice: Session;
let bob: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  [seller, alice, bob] = await Promise.all([
    signUp(server.url, "seller"),
    signUp(server.url, "buyer"),
    signUp(server.url, "buyer"),
  ]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
});

const usd = (amount: number) => ({ amount, currency: "usd" as const });

const offer = (url: string, session: Session, itemId: string, body: unknown) =>
  call<{ deal: Deal; error?: { code: string; message: string } }>(
    url,
    "POST",
    `/api/items/${itemId}/offers`,
    {
      token: session.token,
      body,
    },
  );
const take = (url: string, session: Session, id: string, name: string, body?: unknown) =>
  call<{ deal: Deal; error?: { code: string; message: string } }>(
    url,
    "POST",
    `/api/deals/${id}/transitions/${name}`,
    {
      token: session.token,
      ...(body === undefined ? {} : { body }),
    },
  );
const dealOf = async (url: string, session: Session, id: string) =>
  (await call<{ deal: Deal }>(url, "GET", `/api/deals/${id}`, { token: session.token })).body.deal;
const threadOf = async (url: string, session: Session, id: string) =>
  (await call<{ events: DealEvent[] }>(url, "GET", `/api/deals/${id}/events`, { token: session.token })).body
    .events;
const roomOf = async (url: string, itemId: string) =>
  (await call<{ events: ItemEvent[] }>(url, "GET", `/api/items/${itemId}/events`)).body.events;
const transitions = (events: DealEvent[]) =>
  events.flatMap((event) => {
    const body = bodyOf(event, "custom:deal");
    return body ? [[body.transition, body.from, body.to, body.by]] : [];
  });

describe("making an offer", () => {
  it("starts an offer deal, puts the note in its private thread and counts it on the item", async () => {
    const item = await listItem(server.url, seller, { price: usd(10_000) });
    expect(item.openOffers).toBe(0);
    const { status, body } = await offer(server.url, alice, item.id, {
      amount: usd(7_000),
      message: "Would you take 70?",
    });
    expect(status).toBe(201);
    expect(body.deal).toMatchObject({
      process: "offer",
      state: "offered",
      offer: { amount: usd(7_000), by: "buyer", round: 1, offersLeft: 2 },
      transitions: ["withdraw"],
    });
    expect(body.deal.nextDeadline).not.toBeNull();
    const events = await threadOf(server.url, alice, body.deal.id);
    expect(transitions(events)).toEqual([["offer", null, "offered", "buyer"]]);
    expect(events[1]).toMatchObject({ type: "text", body: { text: "Would you take 70?" } });
    expect((await itemOf(server.url, item.id)).openOffers).toBe(1);
    // The seller may counter, accept or decline.
    expect((await dealOf(server.url, seller, body.deal.id)).transitions).toEqual([
      "counter",
      "accept",
      "decline",
    ]);
    // The room never hears an amount.
    expect(JSON.stringify(await roomOf(server.url, item.id))).not.toMatch(jsonNumber(7000));
  });

  it("refuses with clear reasons: currency, bounds, minimum, offers off, own item, a second open offer", async () => {
    const item = await listItem(server.url, seller, {
      price: usd(10_000),
      offers: { enabled: true, minAmount: usd(5_000) },
    });
    const refused = async (session: Session, body: unknown) => {
      const response = await offer(server.url, session, item.id, body);
      return [response.status, response.body.error?.code];
    };
    expect(await refused(alice, { amount: { amount: 6_000, currency: "eur" } })).toEqual([
      400,
      "bad_request",
    ]);
    expect(await refused(alice, { amount: usd(0) })).toEqual([400, "bad_request"]);
    expect(await refused(alice, { amount: usd(10_001) })).toEqual([400, "bad_request"]);
    expect(await refused(alice, { amount: usd(4_999) })).toEqual([409, "offer_too_low"]);
    expect(await refused(seller, { amount: usd(6_000) })).toEqual([403, "forbidden"]);
    const moderator = await createModerator(server);
    expect(await refused(moderator, { amount: usd(6_000) })).toEqual([403, "forbidden"]);
    expect((await offer(server.url, alice, item.id, { amount: usd(5_000) })).status).toBe(201);
    expect(await refused(alice, { amount: usd(6_000) })).toEqual([409, "conflict"]);
    const low = await offer(server.url, bob, item.id, { amount: usd(100) });
    expect(low.body.error?.message).toBe("The seller takes offers from $50.00");

    const closed = await listItem(server.url, seller, { offers: { enabled: false } });
    expect(await refusedOn(closed, { amount: usd(100) })).toEqual([409, "conflict"]);
  });

  async function refusedOn(item: Item, body: unknown) {
    const response = await offer(server.url, bob, item.id, body);
    return [response.status, response.body.error?.code];
  }
});

describe("haggling", () => {
  it("counters strictly between the standing numbers, at most 3 buyer offers, then accept and pay", async () => {
    const item = await listItem(server.url, seller, { price: usd(10_000) });
    const { body } = await offer(server.url, alice, item.id, { amount: usd(5_000) });
    const id = body.deal.id;
    // The seller's counter: strictly between 50 and 100.
    expect((await take(server.url, seller, id, "counter", { amount: usd(5_000) })).status).toBe(400);
    expect((await take(server.url, seller, id, "counter", { amount: usd(10_000) })).status).toBe(400);
    // On `offered` the counter is the seller's.
    expect((await take(server.url, alice, id, "counter", { amount: usd(6_000) })).body.error?.code).toBe(
      "forbidden",
    );
    const countered = await take(server.url, seller, id, "counter", { amount: usd(9_000) });
    expect(countered.body.deal).toMatchObject({
      state: "countered",
      offer: { amount: usd(9_000), by: "seller" },
    });
    // The buyer's counter: strictly between 50 and 90.
    const between = await take(server.url, alice, id, "counter", { amount: usd(9_000) });
    expect([between.status, between.body.error?.message]).toEqual([
      400,
      "Counter with more than $50.00 and less than $90.00",
    ]);
    expect(
      (await take(server.url, alice, id, "counter", { amount: usd(6_000) })).body.deal.offer?.offersLeft,
    ).toBe(1);
    await take(server.url, seller, id, "counter", { amount: usd(8_000) });
    expect(
      (await take(server.url, alice, id, "counter", { amount: usd(7_000) })).body.deal.offer,
    ).toMatchObject({
      offersLeft: 0,
      round: 5,
    });
    await take(server.url, seller, id, "counter", { amount: usd(7_500) });
    const limit = await take(server.url, alice, id, "counter", { amount: usd(7_200) });
    expect([limit.status, limit.body.error?.code]).toEqual([409, "offer_limit"]);
    expect((await dealOf(server.url, alice, id)).transitions).toEqual(["counter", "accept", "decline"]);

    const accepted = await take(server.url, alice, id, "accept");
    expect(accepted.body.deal).toMatchObject({
      state: "accepted",
      unitPrice: usd(7_500),
      total: usd(7_500),
      payment: { status: "requires_payment", amount: usd(7_500) },
    });
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
    const paid = await confirm(server.url, alice, accepted.body.deal.payment?.id ?? "");
    expect(paid.body.payment.status).toBe("succeeded");
    expect(await dealOf(server.url, alice, id)).toMatchObject({ state: "paid" });
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
  });

  it("takes the buyer's units and shipping with the offer; the accepted price is per unit, plus shipping", async () => {
    const item = await listItem(server.url, seller, {
      price: usd(2_000),
      quantity: 3,
      shippingOptions: [{ id: "post", name: "Post", cost: usd(500) }],
    });
    const address = { name: "Alice Doe", line1: "1 Rue X", city: "Lyon", postalCode: "69001", country: "fr" };
    // A shipping option needs an address; more units than the item has are refused.
    const noAddress = await offer(server.url, alice, item.id, {
      amount: usd(1_500),
      quantity: 2,
      shippingOptionId: "post",
    });
    expect([noAddress.status, noAddress.body.error?.message]).toEqual([400, "Where should it be shipped?"]);
    const tooMany = await offer(server.url, alice, item.id, { amount: usd(1_500), quantity: 4 });
    expect(tooMany.body.error?.message).toBe("Only 3 of this item are for sale");
    expect([tooMany.status, tooMany.body.error?.code]).toEqual([409, "not_available"]);

    const made = await offer(server.url, alice, item.id, {
      amount: usd(1_500),
      quantity: 2,
      shippingOptionId: "post",
      shippingAddress: address,
    });
    expect(made.status).toBe(201);
    expect(made.body.deal).toMatchObject({ quantity: 2, shipping: { optionId: "post", cost: usd(500) } });
    const accepted = await take(server.url, seller, made.body.deal.id, "accept");
    expect(accepted.body.deal).toMatchObject({
      state: "accepted",
      unitPrice: usd(1_500),
      total: usd(3_500),
      payment: { amount: usd(3_500) },
    });
    // Two of three units held: the item stays on sale for the third.
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "available", quantityAvailable: 1 });
    // The address is the deal's, never in its thread (nor in the room).
    const thread = JSON.stringify(await threadOf(server.url, alice, made.body.deal.id));
    expect(thread).not.toContain("Rue X");
    expect(JSON.stringify(await roomOf(server.url, item.id))).not.toContain("Rue X");
    const paid = await confirm(server.url, alice, accepted.body.deal.payment?.id ?? "");
    expect(paid.body.payment).toMatchObject({ status: "succeeded", amount: usd(3_500) });
    expect(await dealOf(server.url, seller, made.body.deal.id)).toMatchObject({
      state: "paid",
      shippingAddress: { ...address, country: "FR" },
    });
  });

  it("decline and withdraw end the deal, each by its own side only", async () => {
    const item = await listItem(server.url, seller, { price: usd(10_000) });
    const first = (await offer(server.url, alice, item.id, { amount: usd(5_000) })).body.deal;
    expect((await take(server.url, alice, first.id, "decline")).status).toBe(403);
    expect((await take(server.url, seller, first.id, "withdraw")).status).toBe(403);
    expect((await take(server.url, alice, first.id, "withdraw")).body.deal.state).toBe("withdrawn");
    const second = (await offer(server.url, alice, item.id, { amount: usd(5_000) })).body.deal;
    expect((await take(server.url, seller, second.id, "decline")).body.deal.state).toBe("declined");
    expect((await itemOf(server.url, item.id)).openOffers).toBe(0);
  });
});

describe("two buyers", () => {
  it("the seller sees both offers best first, accepts one; the other is declined by the system on sale", async () => {
    const item = await listItem(server.url, seller, { price: usd(10_000) });
    const watcher = await connectAnonymous(server.url);
    sockets.push(watcher);
    await subscribeItems(watcher);
    const changes = collect(watcher, "items:changed");
    const [a, b] = await Promise.all([
      offer(server.url, alice, item.id, { amount: usd(6_000) }),
      offer(server.url, bob, item.id, { amount: usd(8_000) }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    await eventually(() => expect(changes.at(-1)?.item.openOffers).toBe(2));
    const list = await call<OfferList>(server.url, "GET", `/api/items/${item.id}/offers`, {
      token: seller.token,
    });
    expect(list.body.deals.map((deal) => deal.offer?.amount.amount)).toEqual([8_000, 6_000]);
    expect(
      (await call(server.url, "GET", `/api/items/${item.id}/offers`, { token: alice.token })).status,
    ).toBe(403);

    const accepted = await take(server.url, seller, b.body.deal.id, "accept");
    expect(accepted.body.deal.state).toBe("accepted");
    // While bob's unit is held, alice's offer stays open but cannot be accepted.
    const held = await take(server.url, seller, a.body.deal.id, "accept");
    expect([held.status, held.body.error?.code]).toEqual([409, "item_reserved"]);
    expect((await dealOf(server.url, alice, a.body.deal.id)).state).toBe("offered");

    await confirm(server.url, bob, accepted.body.deal.payment?.id ?? "");
    const declined = await dealOf(server.url, alice, a.body.deal.id);
    expect(declined.state).toBe("declined");
    const events = await threadOf(server.url, alice, a.body.deal.id);
    expect(transitions(events).at(-1)).toEqual(["close", "offered", "declined", "system"]);
    expect(bodyOf(events.at(-1)!, "custom:deal")?.params).toEqual({ reason: "The item was sold" });
    await eventually(() => expect(changes.at(-1)?.item).toMatchObject({ status: "sold", openOffers: 0 }));
    // The room saw a sale and never an amount of an offer.
    const room = JSON.stringify(await roomOf(server.url, item.id));
    expect(room).not.toMatch(jsonNumber(6000));
    expect(room).not.toMatch(jsonNumber(8000));
    expect(JSON.stringify(changes)).not.toMatch(jsonNumber(6000));
  });

  it("removing the item declines its open offers (a moderator's removal too)", async () => {
    const withdrawn = await listItem(server.url, seller);
    const first = (await offer(server.url, alice, withdrawn.id, { amount: usd(1_000) })).body.deal;
    expect(
      (await call(server.url, "POST", `/api/items/${withdrawn.id}/withdraw`, { token: seller.token })).status,
    ).toBe(200);
    expect((await dealOf(server.url, alice, first.id)).state).toBe("declined");

    const removed = await listItem(server.url, seller);
    const second = (await offer(server.url, bob, removed.id, { amount: usd(1_000) })).body.deal;
    const moderator = await createModerator(server);
    const removal = await call(server.url, "POST", `/api/moderation/items/${removed.id}/remove`, {
      token: moderator.token,
      body: { reason: "Counterfeit" },
    });
    expect(removal.status).toBe(200);
    const events = await threadOf(server.url, bob, second.id);
    expect(bodyOf(events.at(-1)!, "custom:deal")).toMatchObject({
      transition: "close",
      to: "declined",
      by: "system",
      params: { reason: "The item was removed by a moderator" },
    });
  });

  it("an accept racing a buy-now sells exactly one unit", async () => {
    for (let round = 0; round < 3; round++) {
      const item = await listItem(server.url, seller, { price: usd(10_000) });
      const open = (await offer(server.url, alice, item.id, { amount: usd(9_000) })).body.deal;
      const [accepted, bought] = await Promise.all([
        take(server.url, seller, open.id, "accept"),
        checkout(server.url, bob, item.id),
      ]);
      const winners = [accepted.status === 200, bought.status === 201];
      expect(winners.filter(Boolean)).toHaveLength(1);
      const paymentId = accepted.status === 200 ? accepted.body.deal.payment?.id : bought.body.payment.id;
      const payer = accepted.status === 200 ? alice : bob;
      expect((await confirm(server.url, payer, paymentId ?? "")).body.payment.status).toBe("succeeded");
      const after = await itemOf(server.url, item.id);
      expect(after.status).toBe("sold");
      const sales = (await roomOf(server.url, item.id)).filter(
        (event) => event.type === "custom:payment" && event.body.status === "succeeded",
      );
      expect(sales).toHaveLength(1);
    }
  });
});

describe("expiry", () => {
  it("an unanswered offer expires after OFFER_TTL_SECONDS; each counter restarts the clock", async () => {
    const quick = await startServer({ env: { OFFER_TTL_SECONDS: "2", CHECKOUT_HOLD_SECONDS: "2" } });
    try {
      const [s, b] = await Promise.all([signUp(quick.url, "seller"), signUp(quick.url, "buyer")]);
      const item = await listItem(quick.url, s, { price: usd(10_000) });
      const made = (await offer(quick.url, b, item.id, { amount: usd(5_000) })).body.deal;
      const firstDeadline = Date.parse(made.nextDeadline ?? "");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const countered = (await take(quick.url, s, made.id, "counter", { amount: usd(8_000) })).body.deal;
      expect(Date.parse(countered.nextDeadline ?? "")).toBeGreaterThan(firstDeadline);
      await eventually(
        async () => expect((await dealOf(quick.url, b, made.id)).state).toBe("expired"),
        8_000,
      );
      expect((await itemOf(quick.url, item.id)).openOffers).toBe(0);
      const events = await threadOf(quick.url, b, made.id);
      expect(transitions(events).at(-1)).toEqual(["expire", "countered", "expired", "system"]);

      // Accepted but unpaid: the hold ends, the unit is free again.
      const again = (await offer(quick.url, b, item.id, { amount: usd(6_000) })).body.deal;
      expect((await take(quick.url, s, again.id, "accept")).body.deal.state).toBe("accepted");
      expect((await itemOf(quick.url, item.id)).status).toBe("reserved");
      await eventually(
        async () => expect((await dealOf(quick.url, b, again.id)).state).toBe("expired"),
        8_000,
      );
      expect((await itemOf(quick.url, item.id)).status).toBe("available");
    } finally {
      await quick.close();
    }
  }, 90_000);
});
