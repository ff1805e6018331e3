import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal, ProcessList } from "../shared/deals.js";
import { bodyOf, type DealEvent, type ItemEvent } from "../shared/events.js";
import type { AuthResponse, User } from "../shared/users.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { CARDS, cancel, checkout, confirm, itemOf } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connect,
  eventually,
  joinItem,
  request,
  requestOk,
} from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
let outsider: Session;
let moderator: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  [seller, buyer, outsider] = await Promise.all([
    signUp(server.url, "seller"),
    signUp(server.url, "buyer"),
    signUp(server.url, "buyer"),
  ]);
  moderator = await createModerator(server);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
});

async function socketOf(session: Session): Promise<ClientSocket> {
  const socket = await connect(server.url, session.token);
  sockets.push(socket);
  return socket;
}

const getDeal = (session: Session, id: string) =>
  call<{ deal: Deal }>(server.url, "GET", `/api/deals/${id}`, { token: session.token });
const listDeals = (session: Session, query = "") =>
  call<{ deals: Deal[]; nextCursor: string | null }>(server.url, "GET", `/api/deals${query}`, {
    token: session.token,
  });
const threadOf = (session: Session, id: string, after = 0) =>
  call<{ events: DealEvent[] }>(server.url, "GET", `/api/deals/${id}/events?after=${after}`, {
    token: session.token,
  });
const take = (session: Session, id: string, name: string, body?: unknown) =>
  call<{ deal: Deal }>(server.url, "POST", `/api/deals/${id}/transitions/${name}`, {
    token: session.token,
    ...(body === undefined ? {} : { body }),
  });
const transitionsIn = (events: DealEvent[]) =>
  events.flatMap((event) => {
    const body = bodyOf(event, "custom:deal");
    return body ? [[body.transition, body.from, body.to, body.by]] : [];
  });

describe("processes", () => {
  it("publishes buy-now as data", async () => {
    const { status, body } = await call<ProcessList>(server.url, "GET", "/api/processes");
    expect(status).toBe(200);
    const buyNow = body.processes.find((process) => process.name === "buy-now");
    expect(buyNow?.states).toEqual([
      "reserved",
      "paid",
      "shipped",
      "completed",
      "disputed",
      "refunded",
      "canceled",
      "expired",
    ]);
    // Then fulfilment, the same in every process (test/orders.test.ts).
    expect(buyNow?.transitions.slice(0, 5).map((t) => [t.name, t.from, t.to, t.actor])).toEqual([
      ["checkout", [], "reserved", "buyer"],
      ["cancel", ["reserved"], "canceled", "buyer"],
      ["expire", ["reserved"], "expired", "system"],
      ["void", ["reserved"], "canceled", "system"],
      ["pay", ["reserved"], "paid", "system"],
    ]);
    expect(buyNow?.transitions.find((t) => t.name === "expire")?.afterSeconds).toBe(900);
  });
});

describe("buy-now deals", () => {
  it("checkout answers 201 { payment, deal }: reserved, its payment, the thread's first event, the deadline", async () => {
    const item = await listItem(server.url, seller);
    const { status, body } = await checkout(server.url, buyer, item.id);
    expect(status).toBe(201);
    expect(body.deal).toMatchObject({
      itemId: item.id,
      item: { id: item.id, title: item.title },
      process: "buy-now",
      state: "reserved",
      buyer: { id: buyer.user.id, username: buyer.user.username },
      seller: { id: seller.user.id },
      quantity: 1,
      unitPrice: item.price,
      total: item.price,
      shipping: null,
      offer: null,
      shippingAddress: null,
      payment: { id: body.payment.id, status: "requires_payment" },
      nextDeadline: body.payment.expiresAt,
      transitions: ["cancel"],
      lastSeq: 1,
    });
    const thread = await threadOf(buyer, body.deal.id);
    expect(transitionsIn(thread.body.events)).toEqual([["checkout", null, "reserved", "buyer"]]);
    expect(thread.body.events[0]).toMatchObject({ dealId: body.deal.id, seq: 1, author: null });
    // The seller sees the same deal with nothing to do; a repeat checkout is the same deal.
    expect((await getDeal(seller, body.deal.id)).body.deal).toMatchObject({
      state: "reserved",
      transitions: [],
    });
    const again = await checkout(server.url, buyer, item.id);
    expect(again.status).toBe(201);
    expect(again.body.deal.id).toBe(body.deal.id);
  });

  it("every transition allowed and refused over HTTP: 409 invalid_transition, 403 wrong actor, 404 outsiders", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const id = body.deal.id;
    // The system's transitions are nobody's to take; the seller may not cancel the buyer's checkout.
    for (const name of ["expire", "void", "pay"]) {
      const refused = await take(buyer, id, name);
      expect(refused.status, name).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: "forbidden" } });
    }
    expect((await take(seller, id, "cancel")).status).toBe(403);
    expect((await take(moderator, id, "cancel")).status).toBe(403);
    expect((await take(outsider, id, "cancel")).status).toBe(404);
    expect((await take(buyer, id, "no-such-step")).status).toBe(404);
    expect((await take(buyer, id, "cancel", { extra: 1 })).status).toBe(400);
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");

    const canceled = await take(buyer, id, "cancel");
    expect(canceled.status).toBe(200);
    expect(canceled.body.deal).toMatchObject({
      state: "canceled",
      transitions: [],
      nextDeadline: null,
      payment: { status: "canceled" },
    });
    expect((await itemOf(server.url, item.id)).status).toBe("available");
    const twice = await take(buyer, id, "cancel");
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: { code: "invalid_transition" } });
    // From a terminal state even the right actor's wrong-state check comes first for the system's steps.
    expect((await take(buyer, id, "pay")).body).toMatchObject({ error: { code: "invalid_transition" } });
    expect(transitionsIn((await threadOf(buyer, id)).body.events)).toEqual([
      ["checkout", null, "reserved", "buyer"],
      ["cancel", "reserved", "canceled", "buyer"],
    ]);
  });

  it("pays: the deal becomes paid, the room sees the sale, the thread sees checkout, pay and the payment", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    expect((await confirm(server.url, buyer, body.payment.id, CARDS.declined)).status).toBe(200);
    expect((await getDeal(buyer, body.deal.id)).body.deal).toMatchObject({ state: "reserved" });
    expect((await confirm(server.url, buyer, body.payment.id)).status).toBe(200);
    const { deal } = (await getDeal(buyer, body.deal.id)).body;
    expect(deal).toMatchObject({
      state: "paid",
      payment: { status: "succeeded" },
      transitions: ["confirm-received", "dispute"],
    });
    const thread = (await threadOf(buyer, deal.id)).body.events;
    expect(thread.map((event) => [event.type, bodyOf(event, "custom:payment")?.status ?? null])).toEqual([
      ["custom:deal", null],
      ["custom:payment", "failed"],
      ["custom:payment", "succeeded"],
      ["custom:deal", null],
    ]);
    expect(transitionsIn(thread)).toEqual([
      ["checkout", null, "reserved", "buyer"],
      ["pay", "reserved", "paid", "system"],
    ]);
    expect(thread.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
  });

  it("lists the caller's deals by role and state, newest activity first; moderators see all", async () => {
    const other = await signUp(server.url, "seller");
    const items = await Promise.all([listItem(server.url, other), listItem(server.url, other)]);
    const shopper = await signUp(server.url, "buyer");
    const first = await checkout(server.url, shopper, items[0]!.id);
    const second = await checkout(server.url, shopper, items[1]!.id);
    await cancel(server.url, shopper, first.body.payment.id);
    const mine = await listDeals(shopper, "?role=buyer");
    expect(mine.status).toBe(200);
    expect(mine.body.deals.map((deal) => deal.id)).toEqual([first.body.deal.id, second.body.deal.id]);
    expect((await listDeals(shopper, "?role=seller")).body.deals).toEqual([]);
    expect((await listDeals(other, "?role=seller")).body.deals.map((deal) => deal.id).sort()).toEqual(
      [first.body.deal.id, second.body.deal.id].sort(),
    );
    expect((await listDeals(shopper, "?state=reserved")).body.deals.map((deal) => deal.id)).toEqual([
      second.body.deal.id,
    ]);
    const paged = await listDeals(shopper, "?limit=1");
    expect(paged.body.deals).toHaveLength(1);
    expect(paged.body.nextCursor).not.toBeNull();
    const rest = await listDeals(shopper, `?limit=1&cursor=${encodeURIComponent(paged.body.nextCursor!)}`);
    expect(rest.body.deals.map((deal) => deal.id)).toEqual([second.body.deal.id]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await listDeals(outsider)).body.deals.map((deal) => deal.id)).not.toContain(first.body.deal.id);
    const all = await listDeals(moderator, "?limit=100");
    expect(all.body.deals.map((deal) => deal.id)).toContain(first.body.deal.id);
    expect((await call(server.url, "GET", "/api/deals")).status).toBe(401);
    expect((await listDeals(shopper, "?role=admin")).status).toBe(400);
  });
});

describe("buy-now terms: units and shipping", () => {
  const address = {
    name: "Ada B",
    line1: "1 Main St",
    city: "Springfield",
    postalCode: "12345",
    country: "us",
  };

  it("holds units of a multi-unit item: available while units are free, reserved when all are held, sold when all are paid", async () => {
    const item = await listItem(server.url, seller, { quantity: 3 });
    const [first, second] = await Promise.all([signUp(server.url, "buyer"), signUp(server.url, "buyer")]);
    const two = await call<{ deal: Deal; payment: { id: string; amount: unknown } }>(
      server.url,
      "POST",
      `/api/items/${item.id}/checkout`,
      { token: first.token, body: { quantity: 2 } },
    );
    expect(two.status).toBe(201);
    expect(two.body.deal).toMatchObject({
      quantity: 2,
      unitPrice: item.price,
      total: { amount: 5000, currency: "usd" },
    });
    expect(two.body.payment.amount).toEqual({ amount: 5000, currency: "usd" });
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "available", quantityAvailable: 1 });
    const tooMany = await call(server.url, "POST", `/api/items/${item.id}/checkout`, {
      token: second.token,
      body: { quantity: 2 },
    });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ error: { code: "not_available" } });
    const last = await checkout(server.url, second, item.id);
    expect(last.status).toBe(201);
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "reserved", quantityAvailable: 0 });
    expect((await checkout(server.url, outsider, item.id)).body).toMatchObject({
      error: { code: "item_reserved" },
    });

    // One buyer pays, the other cancels: a unit is free again; then it sells out.
    expect((await confirm(server.url, first, two.body.payment.id)).status).toBe(200);
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "reserved", quantityAvailable: 0 });
    await cancel(server.url, second, last.body.payment.id);
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "available", quantityAvailable: 1 });
    const again = await checkout(server.url, outsider, item.id);
    await confirm(server.url, outsider, again.body.payment.id);
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "sold", quantityAvailable: 0 });
  });

  it("sells one unit of a multi-unit item while the other units stay for sale", async () => {
    const item = await listItem(server.url, seller, { quantity: 3 });
    const one = await checkout(server.url, buyer, item.id);
    expect(one.status).toBe(201);
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "available", quantityAvailable: 2 });
    expect((await confirm(server.url, buyer, one.body.payment.id)).status).toBe(200);
    const deal = await call<{ deal: Deal }>(server.url, "GET", `/api/deals/${one.body.deal.id}`, {
      token: buyer.token,
    });
    expect(deal.body.deal).toMatchObject({ state: "paid", payment: { status: "succeeded" } });
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "available", quantityAvailable: 2 });
  });

  it("prices a shipping option in, needs its address, and shows the address to the parties once paid", async () => {
    const item = await listItem(server.url, seller, {
      shippingOptions: [{ id: "post", name: "Post", cost: { amount: 700, currency: "usd" } }],
    });
    const attempt = (body: unknown) =>
      call<{ deal: Deal; payment: { id: string } }>(server.url, "POST", `/api/items/${item.id}/checkout`, {
        token: buyer.token,
        body,
      });
    expect((await attempt({ shippingOptionId: "post" })).status).toBe(400);
    expect((await attempt({ shippingOptionId: "courier", shippingAddress: address })).status).toBe(400);
    expect((await attempt({ shippingAddress: address })).status).toBe(400);
    expect(
      (await attempt({ shippingOptionId: "post", shippingAddress: { ...address, country: "USA" } })).status,
    ).toBe(400);
    expect((await itemOf(server.url, item.id)).status).toBe("available");
    const { status, body } = await attempt({ shippingOptionId: "post", shippingAddress: address });
    expect(status).toBe(201);
    expect(body.deal).toMatchObject({
      shipping: { optionId: "post", name: "Post", cost: { amount: 700, currency: "usd" } },
      total: { amount: 3200, currency: "usd" },
      shippingAddress: null,
      payment: { amount: { amount: 3200, currency: "usd" } },
    });
    // Before payment the seller sees neither the address nor its trace in the thread.
    expect((await getDeal(seller, body.deal.id)).body.deal.shippingAddress).toBeNull();
    const thread = (await threadOf(seller, body.deal.id)).body.events;
    expect(JSON.stringify(thread)).not.toContain("Springfield");
    expect(bodyOf(thread[0]!, "custom:deal")?.params).toEqual({ shippingOptionId: "post" });
    await confirm(server.url, buyer, body.payment.id);
    for (const viewer of [buyer, seller, moderator]) {
      expect((await getDeal(viewer, body.deal.id)).body.deal.shippingAddress).toEqual({
        ...address,
        country: "US",
      });
    }
    // Never in the item's public timeline.
    const history = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`, {
      token: outsider.token,
    });
    expect(JSON.stringify(history.body.events)).not.toContain("Springfield");
  });
});

describe("deal threads are private", () => {
  it("refuses outsiders on every path: HTTP, join, message, live; parties and moderators read it", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const id = body.deal.id;
    expect((await getDeal(outsider, id)).status).toBe(404);
    expect((await threadOf(outsider, id)).status).toBe(404);
    expect((await call(server.url, "GET", `/api/deals/${id}`)).status).toBe(401);
    expect((await getDeal(moderator, id)).status).toBe(200);
    expect((await threadOf(seller, id)).status).toBe(200);

    const spy = await socketOf(outsider);
    const refusedJoin = await request(spy, "deal:join", { dealId: id });
    expect(refusedJoin).toMatchObject({ ok: false, error: { code: "not_found" } });
    const refusedSend = await request(spy, "message:send", {
      dealId: id,
      text: "let me in",
      clientMessageId: newClientMessageId(),
    });
    expect(refusedSend).toMatchObject({ ok: false, error: { code: "not_found" } });
    const spied = collect(spy, "deal:event");
    const spiedChanges = collect(spy, "deal:changed");

    const buyerSocket = await socketOf(buyer);
    const sellerSocket = await socketOf(seller);
    await requestOk(buyerSocket, "deal:join", { dealId: id });
    const heard = collect(sellerSocket, "deal:event");
    await requestOk(sellerSocket, "deal:join", { dealId: id });
    await requestOk(buyerSocket, "message:send", {
      dealId: id,
      text: "Can you ship it?",
      clientMessageId: "m-1",
    });
    await eventually(() =>
      expect(heard.map(({ event }) => bodyOf(event, "text")?.text)).toEqual(["Can you ship it?"]),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spied).toEqual([]);
    expect(spiedChanges).toEqual([]);
  });

  it("sends messages exactly once by clientMessageId, resumes with afterSeq, delivers in seq order to both parties", async () => {
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const id = body.deal.id;
    const buyerSocket = await socketOf(buyer);
    const sellerSocket = await socketOf(seller);
    const joined = await requestOk<{ deal: Deal; events: DealEvent[] }>(buyerSocket, "deal:join", {
      dealId: id,
    });
    expect(joined.deal).toMatchObject({ id, state: "reserved", transitions: ["cancel"] });
    expect(joined.events.map((event) => event.seq)).toEqual([1]);
    await requestOk(sellerSocket, "deal:join", { dealId: id, afterSeq: 1 });
    const live = [collect(buyerSocket, "deal:event"), collect(sellerSocket, "deal:event")];

    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        requestOk<{ event: DealEvent }>(n % 2 ? sellerSocket : buyerSocket, "message:send", {
          dealId: id,
          text: `message ${n}`,
          clientMessageId: `c-${n}`,
        }),
      ),
    );
    const again = await requestOk<{ event: DealEvent }>(buyerSocket, "message:send", {
      dealId: id,
      text: "message 0",
      clientMessageId: "c-0",
    });
    expect(again.event).toEqual(sent[0]!.event);
    expect(sent[0]!.event).toMatchObject({
      dealId: id,
      clientMessageId: "c-0",
      author: { id: buyer.user.id },
    });
    for (const received of live) {
      await eventually(() =>
        expect(received.map(({ event }) => event.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
      );
    }
    const resumed = await requestOk<{ events: DealEvent[] }>(await socketOf(seller), "deal:join", {
      dealId: id,
      afterSeq: 9,
    });
    expect(resumed.events.map((event) => event.seq)).toEqual([10, 11]);
    expect((await threadOf(buyer, id, 1)).body.events).toHaveLength(10);

    // Leaving stops the live events.
    await requestOk(sellerSocket, "deal:leave", { dealId: id });
    await requestOk(buyerSocket, "message:send", {
      dealId: id,
      text: "still there?",
      clientMessageId: "c-x",
    });
    await eventually(() => expect(live[0]!.map(({ event }) => event.seq)).toContain(12));
    expect(live[1]!.map(({ event }) => event.seq)).not.toContain(12);
  });

  it("tells both parties' sockets deal:changed on every transition, each with their own transitions", async () => {
    const item = await listItem(server.url, seller);
    const [buyerSocket, sellerSocket] = await Promise.all([socketOf(buyer), socketOf(seller)]);
    const toBuyer = collect(buyerSocket, "deal:changed");
    const toSeller = collect(sellerSocket, "deal:changed");
    const { body } = await checkout(server.url, buyer, item.id);
    await confirm(server.url, buyer, body.payment.id);
    const mine = (received: { deal: Deal }[]) =>
      received
        .filter(({ deal }) => deal.id === body.deal.id)
        .map(({ deal }) => [deal.state, deal.transitions]);
    await eventually(() => {
      expect(mine(toBuyer)).toEqual([
        ["reserved", ["cancel"]],
        ["paid", ["confirm-received", "dispute"]],
      ]);
      expect(mine(toSeller)).toEqual([
        ["reserved", []],
        ["paid", ["ship", "cancel-order"]],
      ]);
    });
  });

  it("shows moderators watching the marketplace every deal thread's events", async () => {
    const watcher = await socketOf(moderator);
    await requestOk(watcher, "moderation:watch", {});
    const seen = collect(watcher, "deal:event");
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    await confirm(server.url, buyer, body.payment.id, CARDS.declined);
    await eventually(() =>
      expect(seen.filter(({ dealId }) => dealId === body.deal.id).map(({ event }) => event.type)).toEqual([
        "custom:deal",
        "custom:payment",
      ]),
    );
  });
});

describe("a declined card is private (v2 amendment 2)", () => {
  it("never reaches another buyer by history, join or live; the item room sees only the sale", async () => {
    const item = await listItem(server.url, seller);
    const other = await socketOf(outsider);
    await joinItem(other, item.id);
    const live = collect(other, "item:event");
    const { body } = await checkout(server.url, buyer, item.id);
    expect((await confirm(server.url, buyer, body.payment.id, CARDS.declined)).body.payment).toMatchObject({
      status: "failed",
    });
    expect((await confirm(server.url, buyer, body.payment.id, CARDS.insufficientFunds)).status).toBe(200);
    const statusesIn = (events: ItemEvent[]) =>
      events.flatMap((event) => bodyOf(event, "custom:payment")?.status ?? []);

    const history = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`, {
      token: outsider.token,
    });
    expect(statusesIn(history.body.events)).toEqual([]);
    const joined = await requestOk<{ events: ItemEvent[] }>(await socketOf(outsider), "item:join", {
      itemId: item.id,
    });
    expect(statusesIn(joined.events)).toEqual([]);

    await confirm(server.url, buyer, body.payment.id);
    await eventually(() => expect(statusesIn(live.map(({ event }) => event))).toEqual(["succeeded"]));
    const after = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`, {
      token: outsider.token,
    });
    expect(statusesIn(after.body.events)).toEqual(["succeeded"]);
    // The buyer's thread has it all.
    const thread = (await threadOf(buyer, body.deal.id)).body.events;
    expect(thread.flatMap((event) => bodyOf(event, "custom:payment")?.failureCode ?? [])).toEqual([
      "card_declined",
      "insufficient_funds",
    ]);
  });
});

describe("anyone may buy (v2 amendment 1)", () => {
  it("POST /api/me/selling turns a buyer into a seller with a fresh token; moderators are refused", async () => {
    const shopper = await signUp(server.url, "buyer");
    expect(
      (
        await call(server.url, "POST", "/api/items", {
          token: shopper.token,
          body: { title: "x", description: "", price: { amount: 100, currency: "usd" } },
        })
      ).status,
    ).toBe(403);
    const { status, body } = await call<AuthResponse>(server.url, "POST", "/api/me/selling", {
      token: shopper.token,
    });
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ id: shopper.user.id, role: "seller" });
    expect(body.token).toEqual(expect.any(String));
    const me = await call<{ user: User }>(server.url, "GET", "/api/me", { token: body.token });
    expect(me.body.user.role).toBe("seller");
    const session = { token: body.token, user: body.user };
    const listed = await listItem(server.url, session);
    expect(listed.seller.id).toBe(shopper.user.id);
    // A seller still buys other sellers' items, never their own.
    expect((await checkout(server.url, session, (await listItem(server.url, seller)).id)).status).toBe(201);
    expect((await checkout(server.url, session, listed.id)).status).toBe(403);
    // Again: still a seller.
    expect(
      (await call<AuthResponse>(server.url, "POST", "/api/me/selling", { token: body.token })).body.user.role,
    ).toBe("seller");
    const refused = await call(server.url, "POST", "/api/me/selling", { token: moderator.token });
    expect(refused.status).toBe(403);
    expect((await call(server.url, "POST", "/api/me/selling")).status).toBe(401);
  });

  it("lets a seller buy another seller's item and moderators buy nothing", async () => {
    const otherSeller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    const refused = await checkout(server.url, moderator, item.id);
    expect(refused.status).toBe(403);
    const { status, body } = await checkout(server.url, otherSeller, item.id);
    expect(status).toBe(201);
    expect(body.deal.buyer.id).toBe(otherSeller.user.id);
    expect((await confirm(server.url, otherSeller, body.payment.id)).body.payment.status).toBe("succeeded");
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
  });
});
