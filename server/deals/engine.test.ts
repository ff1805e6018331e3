import { randomBytes, randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import { bodyOf } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Role, User } from "../../shared/users.js";
import { insertUser, toUser } from "../auth/store.js";
import { Bus } from "../bus.js";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { NEW_ITEM_DETAILS, requireItem } from "../items/service.js";
import { insertItem, setItemStatus } from "../items/store.js";
import { createOutbox } from "../outbox/outbox.js";
import { getPayment } from "../payments/store.js";
import { DEAL_EVENTS, listEvents } from "../timeline/store.js";
import { Timeline } from "../timeline/timeline.js";
import { REVIEW_WINDOW_TIMER } from "./actions/reviews.js";
import { createDealEngine, type DealEngine, transitionsFor } from "./engine.js";
import type { Caller } from "./process.js";
import { type DealRecord, getDeal } from "./store.js";
import { claimDueTimers } from "./timers.js";

/**
 * The engine on a real database, without HTTP: each "process" is an engine with its own timeline (and, on
 * a PostgreSQL server, its own connection pool) on one shared database.
 */
const SYSTEM: Caller = { actor: "system", user: null };
const logger = pino({ level: "silent" });
const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
const pools: Db[] = [];
let db: Db;
let engine: DealEngine;
let seller: User;
let buyer: User;
let moderator: User;

async function openDb(): Promise<Db> {
  const opened = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 5 })
    : await openPglite(undefined);
  pools.push(opened);
  return opened;
}

/** Another process's way in to the same database: its own pool on a server; PGlite has only the one. */
async function anotherConnection(): Promise<Db> {
  return process.env.DATABASE_URL ? openDb() : db;
}

/** One server process's engine: its own bus, timeline and outbox. */
function engineOn(on: Db, holdSeconds = 900): DealEngine {
  const bus = new Bus();
  const outbox = createOutbox({ db: on, bus, logger });
  return createDealEngine({
    db: on,
    timeline: new Timeline(on, bus, outbox.drain),
    durations: {
      checkoutHoldSeconds: holdSeconds,
      offerTtlSeconds: 172_800,
      auctionPaymentSeconds: 86_400,
      reviewWindowSeconds: 1_209_600,
      autoCompleteSeconds: 1_209_600,
      shipBySeconds: 604_800,
    },
    feeBps: 0,
    provider: "simulated",
    logger,
  });
}

async function user(role: Role): Promise<User> {
  const id = randomUUID();
  return toUser(
    await insertUser(db, { id, username: `u${id.slice(0, 8)}`, displayName: role, role, passwordHash: "x" }),
  );
}

const POST = { id: "post", name: "Post", cost: { amount: 500, currency: "usd" as const } };

async function item(details: Partial<typeof NEW_ITEM_DETAILS> = {}): Promise<Item> {
  const id = randomUUID();
  await insertItem(db, {
    id,
    sellerId: seller.id,
    title: "Lamp",
    description: "",
    price: { amount: 2500, currency: "usd" },
    ...NEW_ITEM_DETAILS,
    ...details,
  });
  return requireItem(db, id);
}

const timeline = () => new Timeline(db, new Bus());

/** Starts a buy-now deal on a fresh item. */
async function started(by: User = buyer, on = engine): Promise<DealRecord> {
  const listed = await item();
  return timeline().write(listed.id, async (write) =>
    on.start(write, await requireItem(write.tx, listed.id, true), "buy-now", "checkout", by),
  );
}

/** A transition inside a write, as the payments domain and the timer worker take them. */
async function apply(deal: DealRecord, name: string, caller: Caller, params?: unknown): Promise<DealRecord> {
  return timeline().write(deal.itemId, async (write) => {
    const locked = await requireItem(write.tx, deal.itemId, true);
    const current = await getDeal(write.tx, deal.id, { forUpdate: true });
    return engine.apply(write, locked, current!, name, caller, params);
  });
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );

const thread = async (deal: DealRecord) =>
  (await listEvents(db, DEAL_EVENTS, deal.id, 0, 100)).flatMap((event) => {
    const body = bodyOf(event, "custom:deal");
    return body ? [`${body.transition}:${body.from ?? "-"}>${body.to}:${body.by}`] : [];
  });

const itemStatus = async (deal: DealRecord) => (await requireItem(db, deal.itemId)).status;

/** Makes every pending timer of the deal due now. */
const fallDue = (deal: DealRecord) =>
  db.query("update timers set fire_at = now() - interval '1 second' where deal_id = $1", [deal.id]);

/** One sweeper's pass: claims due timers and fires them, as the worker's tick does. */
async function sweep(on: Db, by: DealEngine): Promise<number> {
  const fired = await Promise.all((await claimDueTimers(on, 100)).map((timer) => by.fire(timer)));
  return fired.filter(Boolean).length;
}

beforeAll(async () => {
  db = await openDb();
  await migrate(db);
  engine = engineOn(db);
  [seller, buyer, moderator] = await Promise.all([user("seller"), user("buyer"), user("moderator")]);
});
afterAll(async () => {
  if (schema) await db.query(`drop schema ${schema} cascade`).catch(() => {});
  for (const pool of pools.reverse()) await pool.close();
});

describe("buy-now: checkout", () => {
  it("reserves the item, opens the payment, writes the thread's first event and the expiry timer", async () => {
    const deal = await started();
    expect(deal).toMatchObject({
      state: "reserved",
      process: "buy-now",
      buyer: { id: buyer.id },
      lastSeq: 1,
    });
    expect(await itemStatus(deal)).toBe("reserved");
    const payment = await getPayment(db, deal.paymentId!);
    expect(payment).toMatchObject({ status: "requires_payment", dealId: deal.id, amount: deal.total });
    // The timer and the payment's hold end at the same instant: the transaction's.
    expect(deal.nextDeadline).toBe(payment!.expiresAt);
    expect(await thread(deal)).toEqual(["checkout:->reserved:buyer"]);
    const outbox = await db.query<{ type: string }>("select type from outbox where resource_id = $1", [
      deal.id,
    ]);
    expect(outbox.map((row) => row.type)).toEqual(["deal.reserved"]);
  });

  it("refuses by its guards, changing nothing: own item, moderators, an item not for sale", async () => {
    expect(await refusal(started(seller))).toBe("forbidden");
    expect(await refusal(started(moderator))).toBe("forbidden");
    const held = await started();
    const second = await user("buyer");
    const again = refusal(
      timeline().write(held.itemId, async (write) =>
        engine.start(write, await requireItem(write.tx, held.itemId, true), "buy-now", "checkout", second),
      ),
    );
    expect(await again).toBe("item_reserved");
    for (const status of ["sold", "removed"] as const) {
      const listed = await item();
      await setItemStatus(db, listed.id, status);
      const refused = refusal(
        timeline().write(listed.id, async (write) =>
          engine.start(write, await requireItem(write.tx, listed.id, true), "buy-now", "checkout", buyer),
        ),
      );
      expect(await refused).toBe(`item_${status}`);
      expect(await db.query("select 1 from deals where item_id = $1", [listed.id])).toEqual([]);
    }
  });
});

describe("buy-now: every transition from reserved, allowed and refused", () => {
  it("cancel: the buyer only; releases the item; then 409", async () => {
    const deal = await started();
    expect(await refusal(apply(deal, "cancel", { actor: "seller", user: seller }))).toBe("forbidden");
    expect(await refusal(apply(deal, "cancel", { actor: "moderator", user: moderator }))).toBe("forbidden");
    expect(await refusal(apply(deal, "cancel", SYSTEM))).toBe("forbidden");
    expect(await refusal(apply(deal, "cancel", { actor: "buyer", user: buyer }, { reason: "x" }))).toBe(
      "bad_request",
    );
    const canceled = await apply(deal, "cancel", { actor: "buyer", user: buyer });
    expect(canceled).toMatchObject({ state: "canceled", nextDeadline: null });
    expect(await itemStatus(deal)).toBe("available");
    expect((await getPayment(db, deal.paymentId!))?.status).toBe("canceled");
    expect(await refusal(apply(deal, "cancel", { actor: "buyer", user: buyer }))).toBe("invalid_transition");
    expect(await thread(deal)).toEqual(["checkout:->reserved:buyer", "cancel:reserved>canceled:buyer"]);
  });

  it("expire, void and pay: the system only, once", async () => {
    for (const [name, to, status, payment] of [
      ["expire", "expired", "available", "canceled"],
      ["void", "canceled", "available", "canceled"],
      ["pay", "paid", "sold", "succeeded"],
    ] as const) {
      const deal = await started();
      expect(await refusal(apply(deal, name, { actor: "buyer", user: buyer })), name).toBe("forbidden");
      expect(await refusal(apply(deal, name, { actor: "seller", user: seller })), name).toBe("forbidden");
      expect((await apply(deal, name, SYSTEM)).state).toBe(to);
      expect(await itemStatus(deal)).toBe(status);
      expect((await getPayment(db, deal.paymentId!))?.status).toBe(payment);
      expect(await refusal(apply(deal, name, SYSTEM)), name).toBe("invalid_transition");
      for (const other of ["cancel", "expire", "void", "pay"]) {
        const caller: Caller = other === "cancel" ? { actor: "buyer", user: buyer } : SYSTEM;
        expect(await refusal(apply(deal, other, caller)), `${other} after ${name}`).toBe(
          "invalid_transition",
        );
      }
    }
  });

  it("an unknown transition is not_found", async () => {
    expect(await refusal(apply(await started(), "teleport", { actor: "seller", user: seller }))).toBe(
      "not_found",
    );
  });

  it("a transition out of reserved cancels the expiry timer", async () => {
    const deal = await started();
    await apply(deal, "cancel", { actor: "buyer", user: buyer });
    await fallDue(deal);
    expect(await sweep(db, engine)).toBe(0);
    expect(await thread(deal)).toEqual(["checkout:->reserved:buyer", "cancel:reserved>canceled:buyer"]);
  });
});

describe("timers", () => {
  it("fire exactly once with two sweepers racing on one database", async () => {
    const other = await anotherConnection();
    const second = engineOn(other);
    const deals = await Promise.all(Array.from({ length: 6 }, () => started()));
    for (const deal of deals) await fallDue(deal);
    const fired = await Promise.all([
      sweep(db, engine),
      sweep(other, second),
      sweep(db, engine),
      sweep(other, second),
    ]);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(deals.length);
    for (const deal of deals) {
      expect(await thread(deal)).toEqual(["checkout:->reserved:buyer", "expire:reserved>expired:system"]);
      expect(await itemStatus(deal)).toBe("available");
    }
    const timers = await db.query<{ fired: number }>(
      `select count(*)::int as fired from timers where deal_id = any($1::uuid[]) and fired_at is not null`,
      [deals.map((deal) => deal.id)],
    );
    expect(timers[0]?.fired).toBe(deals.length);
  });

  it("fire after a restart: a timer due while no process ran fires on the next one's first sweep", async () => {
    const deal = await started();
    // Claimed by a sweeper that died before firing it: the claim runs out and another takes it over.
    await fallDue(deal);
    await db.query("update timers set claimed_until = now() - interval '1 second' where deal_id = $1", [
      deal.id,
    ]);
    const connection = await anotherConnection();
    const restarted = engineOn(connection);
    expect(await sweep(connection, restarted)).toBe(1);
    expect(await thread(deal)).toEqual(["checkout:->reserved:buyer", "expire:reserved>expired:system"]);
    expect(await sweep(connection, restarted)).toBe(0);
  });

  it("retire a timer whose transition refuses, instead of retrying it forever", async () => {
    const deal = await started();
    await db.query(
      `insert into timers (id, deal_id, transition, fire_at) values ($1, $2, 'no-such-step', now() - interval '1 second')`,
      [randomUUID(), deal.id],
    );
    expect(await sweep(db, engine)).toBe(0);
    const [retired] = await db.query<{ canceled: boolean }>(
      "select canceled_at is not null as canceled from timers where deal_id = $1 and transition = 'no-such-step'",
      [deal.id],
    );
    expect(retired?.canceled).toBe(true);
    expect((await getDeal(db, deal.id))?.state).toBe("reserved");
  });

  it("are not taken by a sweeper while another's claim on them runs", async () => {
    const deal = await started();
    await fallDue(deal);
    const claimed = await claimDueTimers(db, 100);
    expect(claimed.map((timer) => timer.dealId)).toContain(deal.id);
    expect((await claimDueTimers(db, 100)).map((timer) => timer.dealId)).not.toContain(deal.id);
    for (const timer of claimed) await engine.fire(timer);
    expect(await thread(deal)).toEqual(["checkout:->reserved:buyer", "expire:reserved>expired:system"]);
  });
});

describe("outbox", () => {
  it("positions every committed entry once, in the order they become visible, a late commit included", async () => {
    const drained: number[] = [];
    const bus = new Bus();
    const outbox = createOutbox({ db, bus, logger });
    await Promise.all(Array.from({ length: 5 }, () => started()));
    await outbox.drain();
    bus.on("outbox.drained", ({ entry }) => drained.push(entry.position));
    const before = await db.query<{ top: string }>("select max(position) as top from outbox");
    // An entry inserted before the others (a lower id) but committed only now, as a slow transaction's
    // would be: it gets a position after every one already given, so a reader past them still sees it.
    await db.query(
      `insert into outbox (id, type, resource_type, resource_id, data) overriding system value
       values (-1, 'deal.late', 'deal', $1, '{}')`,
      [randomUUID()],
    );
    const twoProcesses = [
      outbox.drain(),
      createOutbox({ db: await anotherConnection(), bus, logger }).drain(),
    ];
    await Promise.all(twoProcesses);
    const [late] = await db.query<{ position: string }>("select position from outbox where id = -1");
    expect(Number(late?.position)).toBe(Number(before[0]?.top) + 1);
    expect(drained).toEqual([Number(before[0]?.top) + 1]);
    const rows = await db.query<{ position: string | null }>("select position from outbox order by position");
    const positions = rows.map((row) => Number(row.position));
    expect(rows.every((row) => row.position !== null)).toBe(true);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
  });
});

/** A paid buy-now deal: with a shipping option (2 units + post: 5500) unless `shipping` is false. */
async function paid({ shipping = true } = {}): Promise<DealRecord> {
  const listed = await item(shipping ? { quantity: 3, shippingOptions: [POST] } : {});
  const terms = shipping
    ? {
        quantity: 2,
        shippingOptionId: "post",
        shippingAddress: {
          name: "Noor",
          line1: "1 Main St",
          city: "Springfield",
          postalCode: "1",
          country: "US",
        },
      }
    : {};
  const deal = await timeline().write(listed.id, async (write) =>
    engine.start(write, await requireItem(write.tx, listed.id, true), "buy-now", "checkout", buyer, terms),
  );
  return apply(deal, "pay", SYSTEM);
}

// The users exist once beforeAll ran: callers are built when a test asks.
const asBuyer = (): Caller => ({ actor: "buyer", user: buyer });
const asSeller = (): Caller => ({ actor: "seller", user: seller });
const asModerator = (): Caller => ({ actor: "moderator", user: moderator });

/** The deal's pending timers, by transition, with how far away they fire (rounded seconds). */
const pendingTimers = async (deal: DealRecord) =>
  (
    await db.query<{ transition: string; seconds: number }>(
      `select transition, round(extract(epoch from fire_at - now()))::int as seconds from timers
       where deal_id = $1 and fired_at is null and canceled_at is null order by fire_at`,
      [deal.id],
    )
  ).map((row) => `${row.transition}@${row.seconds}`);

/** The review window's timer, about 14 days away (a second less if the clock ticked over meanwhile). */
const REVIEW_WINDOW_AT = new RegExp(`^${REVIEW_WINDOW_TIMER.replace(".", "\\.")}@(1209599|1209600)$`);
const paymentOfDeal = async (deal: DealRecord) => getPayment(db, deal.paymentId!);

describe("fulfilment: after paid", () => {
  it("paid with a shipping option: auto-cancel at SHIP_BY_SECONDS is the next deadline; without one, auto-complete", async () => {
    const shipped = await paid();
    expect(shipped).toMatchObject({ state: "paid", quantity: 2, total: { amount: 5500, currency: "usd" } });
    expect(await pendingTimers(shipped)).toEqual(["auto-cancel@604800"]);
    const pickup = await paid({ shipping: false });
    expect(await pendingTimers(pickup)).toEqual(["auto-complete@1209600"]);
    const [timer] = await db.query<{ fire_at: Date }>(
      "select fire_at from timers where deal_id = $1 and fired_at is null and canceled_at is null",
      [pickup.id],
    );
    expect(pickup.nextDeadline).toBe(timer?.fire_at.toISOString());
    // The condition is checked when taken too: no auto-cancel without shipping, no paid auto-complete with it.
    expect(await refusal(apply(pickup, "auto-cancel", SYSTEM))).toBe("invalid_transition");
    expect(await refusal(apply(shipped, "auto-complete", SYSTEM))).toBe("invalid_transition");
  });

  it("ship: the seller only, with carrier and tracking in the thread; then auto-complete is due; twice is 409", async () => {
    const deal = await paid();
    const params = { carrier: "DHL", trackingNumber: "JD0001" };
    for (const caller of [asBuyer(), asModerator(), SYSTEM]) {
      expect(await refusal(apply(deal, "ship", caller, params))).toBe("forbidden");
    }
    expect(await refusal(apply(deal, "ship", asSeller(), { carrier: "x".repeat(101) }))).toBe("bad_request");
    const shipped = await apply(deal, "ship", asSeller(), params);
    expect(shipped.state).toBe("shipped");
    expect(await pendingTimers(deal)).toEqual(["auto-complete@1209600"]);
    expect(await refusal(apply(deal, "ship", asSeller(), params))).toBe("invalid_transition");
    expect(await refusal(apply(deal, "cancel-order", asSeller(), { reason: "gone" }))).toBe(
      "invalid_transition",
    );
    const [event] = (await listEvents(db, DEAL_EVENTS, deal.id, 0, 100)).flatMap((e) => {
      const body = bodyOf(e, "custom:deal");
      return body?.transition === "ship" ? [body] : [];
    });
    expect(event?.params).toEqual(params);
    // Shipping by hand: no carrier, no tracking.
    expect((await apply(await paid(), "ship", asSeller(), {})).state).toBe("shipped");
  });

  it("confirm-received: the buyer only, from paid or shipped; completes, only the review window's timer left, money untouched", async () => {
    for (const ship of [false, true]) {
      let deal = await paid();
      if (ship) deal = await apply(deal, "ship", asSeller(), {});
      for (const caller of [asSeller(), asModerator(), SYSTEM]) {
        expect(await refusal(apply(deal, "confirm-received", caller))).toBe("forbidden");
      }
      const done = await apply(deal, "confirm-received", asBuyer());
      // The next deadline is the end of the review window (reviews publish then at the latest).
      expect(done.state).toBe("completed");
      expect(await pendingTimers(done)).toEqual([expect.stringMatching(REVIEW_WINDOW_AT)]);
      expect(done.nextDeadline).not.toBeNull();
      expect((await paymentOfDeal(deal))?.status).toBe("succeeded");
      expect(await refusal(apply(deal, "confirm-received", asBuyer()))).toBe("invalid_transition");
      expect(await refusal(apply(deal, "dispute", asBuyer(), { reason: "late" }))).toBe("invalid_transition");
    }
  });

  it("dispute: the buyer only, with a reason, from paid or shipped; no timer runs while disputed", async () => {
    for (const ship of [false, true]) {
      let deal = await paid();
      if (ship) deal = await apply(deal, "ship", asSeller(), {});
      expect(await refusal(apply(deal, "dispute", asSeller(), { reason: "x" }))).toBe("forbidden");
      expect(await refusal(apply(deal, "dispute", asBuyer(), {}))).toBe("bad_request");
      expect(await refusal(apply(deal, "dispute", asBuyer(), { reason: "   " }))).toBe("bad_request");
      const disputed = await apply(deal, "dispute", asBuyer(), { reason: "It arrived broken" });
      expect(disputed).toMatchObject({ state: "disputed", nextDeadline: null });
      expect(await pendingTimers(deal)).toEqual([]);
      for (const [name, caller] of [
        ["ship", asSeller()],
        ["confirm-received", asBuyer()],
        ["cancel-order", asSeller()],
      ] as const) {
        expect(await refusal(apply(deal, name, caller, name === "cancel-order" ? { reason: "x" } : {}))).toBe(
          "invalid_transition",
        );
      }
    }
  });

  it("cancel-order: the seller only, from paid, with a reason; refunds the whole total (units and shipping) once", async () => {
    const deal = await paid();
    expect(await refusal(apply(deal, "cancel-order", asBuyer(), { reason: "x" }))).toBe("forbidden");
    expect(await refusal(apply(deal, "cancel-order", asSeller()))).toBe("bad_request");
    const refunded = await apply(deal, "cancel-order", asSeller(), { reason: "Out of stock" });
    expect(refunded).toMatchObject({ state: "refunded", nextDeadline: null });
    expect(await paymentOfDeal(deal)).toMatchObject({
      status: "refunded",
      refunded: { amount: 5500, currency: "usd" },
    });
    // The units stay sold: a refund does not put them back on sale.
    expect((await requireItem(db, deal.itemId)).quantityAvailable).toBe(1);
    const refunds = (await listEvents(db, DEAL_EVENTS, deal.id, 0, 100)).flatMap((e) => {
      const body = bodyOf(e, "custom:payment");
      return body?.status === "refunded" ? [body.amount] : [];
    });
    expect(refunds).toEqual([{ amount: 5500, currency: "usd" }]);
    // Never in the item's public room.
    const room = await db.query<{ body: { status?: string } }>(
      "select body from events where item_id = $1 and type = 'custom:payment'",
      [deal.itemId],
    );
    expect(room.map((row) => row.body.status)).toEqual(["succeeded"]);
    expect(await refusal(apply(deal, "cancel-order", asSeller(), { reason: "again" }))).toBe(
      "invalid_transition",
    );
  });

  it("resolve: the moderator only, on a disputed deal: refund all, part (at most the total, its currency), or release", async () => {
    const disputedDeal = async () => {
      const deal = await paid();
      await apply(deal, "dispute", asBuyer(), { reason: "Not as described" });
      return deal;
    };
    expect(await refusal(apply(await paid(), "resolve", asModerator(), { outcome: "release" }))).toBe(
      "invalid_transition",
    );
    const deal = await disputedDeal();
    for (const caller of [asBuyer(), asSeller(), SYSTEM]) {
      expect(await refusal(apply(deal, "resolve", caller, { outcome: "release" }))).toBe("forbidden");
    }
    for (const params of [
      {},
      { outcome: "keep" },
      { outcome: "refund", amount: { amount: 5501, currency: "usd" } },
      { outcome: "refund", amount: { amount: 100, currency: "eur" } },
      { outcome: "refund", amount: { amount: 0, currency: "usd" } },
      { outcome: "release", amount: { amount: 100, currency: "usd" } },
    ]) {
      expect(await refusal(apply(deal, "resolve", asModerator(), params)), JSON.stringify(params)).toBe(
        "bad_request",
      );
    }
    const half = await apply(deal, "resolve", asModerator(), {
      outcome: "refund",
      amount: { amount: 2750, currency: "usd" },
    });
    expect(half.state).toBe("refunded");
    expect(await paymentOfDeal(deal)).toMatchObject({
      status: "refunded",
      amount: { amount: 5500 },
      refunded: { amount: 2750, currency: "usd" },
    });
    expect(await thread(deal)).toContain("resolve:disputed>refunded:moderator");

    const full = await disputedDeal();
    await apply(full, "resolve", asModerator(), { outcome: "refund" });
    expect((await paymentOfDeal(full))?.refunded).toEqual({ amount: 5500, currency: "usd" });

    const released = await disputedDeal();
    expect((await apply(released, "resolve", asModerator(), { outcome: "release" })).state).toBe("completed");
    expect((await paymentOfDeal(released))?.status).toBe("succeeded");
    expect(await refusal(apply(released, "resolve", asModerator(), { outcome: "refund" }))).toBe(
      "invalid_transition",
    );
  });

  it("timers: auto-cancel refunds an order not shipped; auto-complete completes a shipped one and a pickup; once each", async () => {
    const unshipped = await paid();
    const shipped = await apply(await paid(), "ship", asSeller(), {});
    const pickup = await paid({ shipping: false });
    for (const deal of [unshipped, shipped, pickup]) await fallDue(deal);
    const other = await anotherConnection();
    const fired = await Promise.all([sweep(db, engine), sweep(other, engineOn(other))]);
    expect(fired[0]! + fired[1]!).toBe(3);
    expect((await getDeal(db, unshipped.id))?.state).toBe("refunded");
    expect((await paymentOfDeal(unshipped))?.refunded).toEqual({ amount: 5500, currency: "usd" });
    expect(await thread(unshipped)).toContain("auto-cancel:paid>refunded:system");
    expect(await thread(shipped)).toContain("auto-complete:shipped>completed:system");
    expect(await thread(pickup)).toContain("auto-complete:paid>completed:system");
    expect((await getDeal(db, unshipped.id))?.nextDeadline).toBeNull();
    // A completed order's one timer left is its review window's end.
    for (const deal of [shipped, pickup])
      expect(await pendingTimers(deal)).toEqual([expect.stringMatching(REVIEW_WINDOW_AT)]);
    // A timer of a state left early never fires: shipping cancels auto-cancel.
    const early = await paid();
    await apply(early, "ship", asSeller(), {});
    await db.query(
      "update timers set fire_at = now() - interval '1 second' where deal_id = $1 and transition = 'auto-cancel'",
      [early.id],
    );
    expect(await sweep(db, engine)).toBe(0);
    expect((await getDeal(db, early.id))?.state).toBe("shipped");
  });

  it("lists each party's and the moderator's fulfilment steps by name, once each", async () => {
    const deal = await paid();
    expect(transitionsFor(deal, "seller")).toEqual(["ship", "cancel-order"]);
    expect(transitionsFor(deal, "buyer")).toEqual(["confirm-received", "dispute"]);
    expect(transitionsFor(deal, "moderator")).toEqual([]);
    await apply(deal, "dispute", asBuyer(), { reason: "x" });
    expect(transitionsFor((await getDeal(db, deal.id))!, "moderator")).toEqual(["resolve"]);
  });
});
