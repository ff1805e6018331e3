import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeOutbox } from "../server/outbox/outbox.js";
import type { Deal } from "../shared/deals.js";
import type { Notification, NotificationsResponse } from "../shared/notifications.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { checkout, confirm } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  connect,
  eventually,
  joinItem,
  requestOk,
  sendMessage,
} from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let alice: Session;
let bob: Session;
let moderator: Session;
const sockets: ClientSocket[] = [];
/** Every `notification` each user's socket received, by user id. */
const live = new Map<string, Notification[]>();
/** Each listening user's socket, by user id. */
const socketOfUser = new Map<string, ClientSocket>();
const socketOf = (session: Session) => socketOfUser.get(session.user.id)!;

async function listen(session: Session): Promise<ClientSocket> {
  const socket = await connect(server.url, session.token);
  sockets.push(socket);
  socketOfUser.set(session.user.id, socket);
  const received: Notification[] = [];
  live.set(session.user.id, received);
  socket.on("notification", ({ notification }) => received.push(notification));
  return socket;
}

beforeAll(async () => {
  server = await startServer();
  [seller, alice, bob] = await Promise.all([
    signUp(server.url, "seller", { displayName: "Sam Seller" }),
    signUp(server.url, "buyer", { displayName: "Alice" }),
    signUp(server.url, "buyer", { displayName: "Bob" }),
  ]);
  moderator = await createModerator(server);
  await Promise.all([seller, alice, bob].map(listen));
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
});

const usd = (amount: number) => ({ amount, currency: "usd" as const });
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

const notificationsOf = async (session: Session, query = "") =>
  (
    await call<NotificationsResponse>(server.url, "GET", `/api/me/notifications${query}`, {
      token: session.token,
    })
  ).body;

/** The user's stored notifications about `subject` (an item or deal id in their data) of `type`. */
async function storedAbout(session: Session, type: string, subject: string): Promise<Notification[]> {
  const { notifications } = await notificationsOf(session, "?limit=100");
  return notifications.filter(
    (n) => n.type === type && (n.data.itemId === subject || n.data.dealId === subject),
  );
}

/**
 * Waits for exactly one stored notification of `type` about `subject` for the user, and for its live
 * delivery (once: the same id is never pushed twice unless it was updated, which message notices are).
 */
async function expectOne(session: Session, type: string, subject: string): Promise<Notification> {
  let found: Notification | undefined;
  await eventually(async () => {
    const stored = await storedAbout(session, type, subject);
    expect(stored).toHaveLength(1);
    found = stored[0];
    const pushed = (live.get(session.user.id) ?? []).filter((n) => n.id === found?.id);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toEqual(found);
  });
  return found!;
}

async function expectNone(session: Session, type: string, subject: string): Promise<void> {
  // Every reader run has passed once the trigger's own recipient got theirs; this checks the others.
  expect(await storedAbout(session, type, subject)).toEqual([]);
  expect(
    (live.get(session.user.id) ?? []).filter((n) => n.type === type && n.data.itemId === subject),
  ).toEqual([]);
}

const take = (session: Session, dealId: string, name: string, body?: unknown) =>
  call<{ deal: Deal }>(server.url, "POST", `/api/deals/${dealId}/transitions/${name}`, {
    token: session.token,
    ...(body === undefined ? {} : { body }),
  });

describe("messages", () => {
  it("tells a room's members (the seller from the listing) of a message, one unread notice per room, never its author", async () => {
    const item = await listItem(server.url, seller, { title: "Blue kettle" });
    const aliceSocket = socketOf(alice);
    await joinItem(aliceSocket, item.id);
    await sendMessage(aliceSocket, item.id, "Is it still available?");
    const first = await expectOne(seller, "message.received", item.id);
    expect(first).toMatchObject({
      title: "New message about “Blue kettle”",
      body: "Alice: Is it still available?",
      link: `/items/${item.id}`,
      readAt: null,
      // The message's seq (seq 1 is the listing), which the outbox entry carries from the insert.
      data: { count: 1, seq: 2, authorId: alice.user.id },
    });
    await expectNone(alice, "message.received", item.id);

    // Two more: the unread notice for the room stays as it is, neither rewritten nor pushed again (in a
    // crowded room each message would otherwise write and push one per member; the Inbox counts them).
    await sendMessage(aliceSocket, item.id, "Could you post it?");
    await sendMessage(aliceSocket, item.id, "Thanks!");

    // Bob joins; the seller answers: Alice and Bob hear of it, the seller does not.
    await joinItem(socketOf(bob), item.id);
    await sendMessage(socketOf(seller), item.id, "Yes, it is.");
    await expectOne(alice, "message.received", item.id);
    await expectOne(bob, "message.received", item.id);
    // Alice's two were read by the reader before the seller's answer was: the seller's notice is unchanged.
    expect(await storedAbout(seller, "message.received", item.id)).toEqual([first]);
    expect(live.get(seller.user.id)!.filter((n) => n.id === first.id)).toHaveLength(1);

    // Once read, the next message starts a new notification.
    await call(server.url, "POST", "/api/me/notifications/read", {
      token: seller.token,
      body: { ids: [first.id] },
    });
    await sendMessage(aliceSocket, item.id, "One more thing");
    await eventually(async () => {
      const stored = await storedAbout(seller, "message.received", item.id);
      expect(stored.map((n) => [n.id === first.id, n.readAt === null])).toEqual([
        [false, true],
        [true, false],
      ]);
    });
  });

  it("tells the other party of a message in a deal thread", async () => {
    const item = await listItem(server.url, seller, { title: "Oak chair", price: usd(10_000) });
    const offer = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: alice.token,
      body: { amount: usd(8_000) },
    });
    const dealId = offer.body.deal.id;
    await requestOk(socketOf(seller), "message:send", {
      dealId,
      text: "Hello Alice",
      clientMessageId: randomUUID(),
    });
    const notice = await expectOne(alice, "message.received", dealId);
    expect(notice).toMatchObject({ link: `/deals/${dealId}`, body: "Sam Seller: Hello Alice" });
    expect(await storedAbout(seller, "message.received", dealId)).toEqual([]);

    // A deal thread's notice counts: two more, still one unread notice, updated and pushed again.
    for (const text of ["Are you there?", "Any news?"]) {
      await requestOk(socketOf(seller), "message:send", { dealId, text, clientMessageId: randomUUID() });
    }
    await eventually(async () => {
      const stored = await storedAbout(alice, "message.received", dealId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        id: notice.id,
        title: "3 new messages about “Oak chair”",
        body: "Sam Seller: Any news?",
      });
      expect(
        live
          .get(alice.user.id)!
          .filter((n) => n.id === notice.id)
          .at(-1),
      ).toEqual(stored[0]);
    });
  });
});

describe("offers and deals", () => {
  it("offer.received, offer.countered both ways, offer.accepted, then deal.paid and favorite.sold", async () => {
    const item = await listItem(server.url, seller, { title: "Brass lamp", price: usd(10_000) });
    await call(server.url, "PUT", `/api/me/favorites/${item.id}`, { token: bob.token });
    const { body } = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: alice.token,
      body: { amount: usd(6_000) },
    });
    const dealId = body.deal.id;
    expect(await expectOne(seller, "offer.received", dealId)).toMatchObject({
      title: "New offer on “Brass lamp”",
      link: `/deals/${dealId}`,
    });
    expect((await take(seller, dealId, "counter", { amount: usd(9_000) })).status).toBe(200);
    await expectOne(alice, "offer.countered", dealId);
    expect((await take(alice, dealId, "counter", { amount: usd(8_000) })).status).toBe(200);
    await expectOne(seller, "offer.countered", dealId);
    expect((await take(seller, dealId, "accept")).status).toBe(200);
    await expectOne(alice, "offer.accepted", dealId);

    // Paying the accepted offer sells the item: the seller hears of the payment, Bob (a favourite) of the sale.
    const deal = (
      await call<{ deal: Deal }>(server.url, "GET", `/api/deals/${dealId}`, { token: alice.token })
    ).body.deal;
    const paymentId = deal.payment?.id;
    expect(paymentId).toBeTruthy();
    expect((await confirm(server.url, alice, paymentId!)).status).toBe(200);
    await expectOne(seller, "deal.paid", dealId);
    await expectOne(bob, "favorite.sold", item.id);
    await expectNone(alice, "favorite.sold", item.id);
  });

  it("offer.declined and offer.expired", async () => {
    const item = await listItem(server.url, seller, { title: "Rug", price: usd(10_000) });
    const declined = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: alice.token,
      body: { amount: usd(5_000) },
    });
    await take(seller, declined.body.deal.id, "decline");
    await expectOne(alice, "offer.declined", declined.body.deal.id);

    const lapsing = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: bob.token,
      body: { amount: usd(5_000) },
    });
    // Its timer falls due now (the engine's timers are rows): the sweeper expires it.
    await server.db.query("update timers set fire_at = now() where deal_id = $1 and fired_at is null", [
      lapsing.body.deal.id,
    ]);
    await expectOne(bob, "offer.expired", lapsing.body.deal.id);
    await expectOne(seller, "offer.expired", lapsing.body.deal.id);
  });

  it("maps fulfilment and review entries from the outbox (their writers land with the orders and reviews branches)", async () => {
    const item = await listItem(server.url, seller, { title: "Desk", price: usd(10_000) });
    const payment = await checkout(server.url, alice, item.id);
    expect((await confirm(server.url, alice, payment.body.payment.id)).status).toBe(200);
    const [deal] = (
      await call<{ deals: Deal[] }>(server.url, "GET", "/api/deals?limit=100", { token: alice.token })
    ).body.deals.filter((d) => d.itemId === item.id);
    const data = (to: string, by: string) => ({
      transition: to,
      from: "paid",
      to,
      by,
      itemId: item.id,
      buyerId: alice.user.id,
      sellerId: seller.user.id,
    });
    await server.db.transaction(async (tx) => {
      for (const [to, by] of [
        ["shipped", "seller"],
        ["disputed", "buyer"],
        ["refunded", "system"],
        ["completed", "buyer"],
      ] as const) {
        await writeOutbox(tx, {
          type: `deal.${to}`,
          resource: { type: "deal", id: deal!.id },
          data: data(to, by),
        });
      }
      await writeOutbox(tx, {
        type: "review.published",
        resource: { type: "review", id: randomUUID() },
        data: {
          dealId: deal!.id,
          authorId: alice.user.id,
          subjectId: seller.user.id,
          role: "buyer",
          rating: 5,
        },
      });
    });
    await server.app.services.outbox.drain();
    await expectOne(alice, "deal.shipped", deal!.id);
    await expectOne(seller, "deal.disputed", deal!.id);
    await expectOne(alice, "deal.refunded", deal!.id);
    await expectOne(seller, "deal.completed", deal!.id);
    expect(await expectOne(seller, "review.published", deal!.id)).toMatchObject({
      title: "Alice reviewed you",
      body: "5 out of 5 stars.",
    });
  });
});

describe("auctions", () => {
  it("auction.outbid to the previous leader, auction.ending an hour before to watchers and bidders, auction.won", async () => {
    const item = await listItem(server.url, seller, {
      title: "Clock",
      price: usd(1_000),
      sale: { kind: "auction", startingBid: usd(1_000), endsAt: inSeconds(3_700) } as never,
    });
    await call(server.url, "PUT", `/api/me/favorites/${item.id}`, { token: bob.token });
    const bid = (session: Session, amount: number) =>
      call(server.url, "POST", `/api/items/${item.id}/bids`, {
        token: session.token,
        body: { maxAmount: usd(amount), clientBidId: randomUUID() },
      });
    expect((await bid(alice, 2_000)).status).toBe(201);
    expect((await bid(bob, 3_000)).status).toBe(201);
    expect(await expectOne(alice, "auction.outbid", item.id)).toMatchObject({
      title: "You were outbid on “Clock”",
      body: "The price is now $20.50. Bid again to win it.",
    });
    await expectNone(bob, "auction.outbid", item.id);

    // The notice's timer is a row: due now, it fires once for the bidders and Bob's favourite.
    const [timer] = await server.db.query<{ fire_at: Date }>(
      "select fire_at from timers where item_id = $1 and transition = 'auction.ending'",
      [item.id],
    );
    expect(Math.abs(timer!.fire_at.getTime() - (Date.parse(item.auction!.endsAt) - 3_600_000))).toBeLessThan(
      1_000,
    );
    await server.db.query(
      "update timers set fire_at = now() where item_id = $1 and transition = 'auction.ending'",
      [item.id],
    );
    await expectOne(alice, "auction.ending", item.id);
    await expectOne(bob, "auction.ending", item.id);
    await expectNone(seller, "auction.ending", item.id);

    // The end: Bob wins.
    await server.db.query("update auctions set ends_at = now() where item_id = $1", [item.id]);
    await server.db.query(
      "update timers set fire_at = now() where item_id = $1 and transition = 'auction.close'",
      [item.id],
    );
    await eventually(async () => {
      const won = (await notificationsOf(bob)).notifications.filter((n) => n.type === "auction.won");
      expect(won.map((n) => n.title)).toEqual(["You won “Clock”"]);
    }, 10_000);
  });
});

describe("the catalog", () => {
  it("favorite.price_dropped to those who saved it, search.matched to saved searches", async () => {
    const item = await listItem(server.url, seller, { title: "Green sofa", price: usd(50_000) });
    await call(server.url, "PUT", `/api/me/favorites/${item.id}`, { token: alice.token });
    await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: usd(45_000) },
    });
    expect(await expectOne(alice, "favorite.price_dropped", item.id)).toMatchObject({
      body: "Now $450.00 (was $500.00).",
    });
    // A rise tells nobody.
    await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: usd(46_000) },
    });

    const saved = await call(server.url, "POST", "/api/me/saved-searches", {
      token: bob.token,
      body: { name: "Sofas", query: { q: "sofa" } },
    });
    expect(saved.status).toBe(201);
    const matching = await listItem(server.url, seller, { title: "Red sofa" });
    expect(await expectOne(bob, "search.matched", matching.id)).toMatchObject({
      title: "New for your saved search: “Red sofa”",
      link: `/items/${matching.id}`,
    });
    await eventually(async () => {
      expect(await storedAbout(alice, "favorite.price_dropped", item.id)).toHaveLength(1);
    });
  });
});

describe("moderation", () => {
  it("tells the author, the seller and the suspended user, with the moderator's reason", async () => {
    const item = await listItem(server.url, seller, { title: "Poster" });
    await joinItem(socketOf(bob), item.id);
    const { event } = await sendMessage(socketOf(bob), item.id, "rude words");
    await call(server.url, "POST", `/api/moderation/items/${item.id}/events/${event.seq}/hide`, {
      token: moderator.token,
      body: { reason: "Insults" },
    });
    expect(await expectOne(bob, "moderation.action", item.id)).toMatchObject({
      title: "A moderator hid your message about “Poster”",
      body: "Reason: Insults",
      data: { action: "message.hidden", seq: event.seq, reason: "Insults" },
    });

    await call(server.url, "POST", `/api/moderation/items/${item.id}/remove`, {
      token: moderator.token,
      body: { reason: "Counterfeit" },
    });
    expect(await expectOne(seller, "moderation.action", item.id)).toMatchObject({
      body: "Reason: Counterfeit",
    });

    const mallory = await signUp(server.url, "buyer");
    await call(server.url, "POST", `/api/moderation/users/${mallory.user.id}/suspend`, {
      token: moderator.token,
      body: { reason: "Spam" },
    });
    await eventually(async () => {
      const [row] = await server.db.query<{ title: string; body: string }>(
        "select title, body from notifications where user_id = $1 and type = 'moderation.action'",
        [mallory.user.id],
      );
      expect(row).toEqual({ title: "A moderator suspended your account", body: "Reason: Spam" });
    });
    // And the sign-in says why.
    const login = await call<{ error: { message: string; details: unknown } }>(
      server.url,
      "POST",
      "/api/auth/login",
      {
        body: { username: mallory.user.username, password: "correct horse battery" },
      },
    );
    expect(login.status).toBe(403);
    expect(JSON.stringify(login.body.error)).toContain("Spam");
  });
});

describe("the API", () => {
  it("lists newest first with a cursor and the unread count, marks read by ids (own only) or all", async () => {
    const carol = await signUp(server.url, "buyer");
    const dave = await signUp(server.url, "buyer");
    await server.db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) {
        await writeOutbox(tx, {
          type: "user.reinstated",
          resource: { type: "user", id: carol.user.id },
          data: { userId: carol.user.id, reason: `reason ${i}` },
        });
      }
    });
    await server.app.services.outbox.drain();
    await eventually(async () => expect((await notificationsOf(carol)).unread).toBe(5));
    const first = await notificationsOf(carol, "?limit=2");
    expect(first.notifications.map((n) => n.body)).toEqual(["Reason: reason 4", "Reason: reason 3"]);
    const second = await notificationsOf(carol, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.notifications.map((n) => n.body)).toEqual(["Reason: reason 2", "Reason: reason 1"]);
    const third = await notificationsOf(carol, `?limit=2&cursor=${second.nextCursor}`);
    expect(third.notifications.map((n) => n.body)).toEqual(["Reason: reason 0"]);
    expect(third.nextCursor).toBeNull();

    // Dave cannot mark Carol's.
    const ids = first.notifications.map((n) => n.id);
    expect(
      (await call(server.url, "POST", "/api/me/notifications/read", { token: dave.token, body: { ids } }))
        .body,
    ).toEqual({ unread: 0 });
    expect((await notificationsOf(carol)).unread).toBe(5);
    expect(
      (await call(server.url, "POST", "/api/me/notifications/read", { token: carol.token, body: { ids } }))
        .body,
    ).toEqual({ unread: 3 });
    expect((await notificationsOf(carol, "?unread=true")).notifications).toHaveLength(3);
    expect(
      (
        await call(server.url, "POST", "/api/me/notifications/read", {
          token: carol.token,
          body: { all: true },
        })
      ).body,
    ).toEqual({ unread: 0 });

    const bad = await call<{ error: { code: string; message: string } }>(
      server.url,
      "POST",
      "/api/me/notifications/read",
      { token: carol.token, body: { everything: 1 } },
    );
    expect([bad.status, bad.body.error.code]).toEqual([400, "bad_request"]);
    const badCursor = await call(server.url, "GET", "/api/me/notifications?cursor=nonsense", {
      token: carol.token,
    });
    expect(badCursor.status).toBe(400);
    expect((await call(server.url, "GET", "/api/me/notifications")).status).toBe(401);
  });

  it("preferences: defaults, a partial update, refusals in words", async () => {
    const erin = await signUp(server.url, "buyer");
    const patch = (body: unknown) =>
      call<{ preferences: { email: Record<string, boolean> }; error?: { message: string } }>(
        server.url,
        "PATCH",
        "/api/me/preferences",
        { token: erin.token, body },
      );
    const updated = await patch({ email: { "auction.outbid": false, "message.received.room": true } });
    expect(updated.status).toBe(200);
    expect(updated.body.preferences.email).toMatchObject({
      "auction.outbid": false,
      "message.received.room": true,
      "message.received": true,
      "deal.shipped": true,
    });
    const refused = await patch({ email: { "no.such": true } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toContain("Remove no.such");
  });

  it("without SMTP_URL queues and sends nothing, and a new address is still accepted", async () => {
    const frank = await signUp(server.url, "seller");
    const { status } = await call(server.url, "PATCH", "/api/me", {
      token: frank.token,
      body: { email: "frank@example.test" },
    });
    expect(status).toBe(200);
    await server.db.query("update users set email_verified_at = now() where id = $1", [frank.user.id]);
    const item = await listItem(server.url, frank, { title: "Unmailed" });
    const offer = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: alice.token,
      body: { amount: usd(1_000) },
    });
    expect(offer.status).toBe(201);
    await eventually(async () =>
      expect(await storedAbout(frank, "offer.received", offer.body.deal.id)).toHaveLength(1),
    );
    expect(await server.db.query("select 1 from email_queue")).toEqual([]);
    const settings = await call<{ email: { enabled: boolean } }>(server.url, "GET", "/api/me/preferences", {
      token: frank.token,
    });
    expect(settings.body.email.enabled).toBe(false);
  });
});
