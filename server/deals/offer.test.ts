import { randomBytes, randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../shared/errors.js";
import { bodyOf } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Money } from "../../shared/money.js";
import type { Role, User } from "../../shared/users.js";
import { insertUser, toUser } from "../auth/store.js";
import { Bus } from "../bus.js";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { NEW_ITEM_DETAILS, requireItem } from "../items/service.js";
import { insertItem } from "../items/store.js";
import { createOutbox } from "../outbox/outbox.js";
import { getPayment } from "../payments/store.js";
import { DEAL_EVENTS, listEvents } from "../timeline/store.js";
import { Timeline } from "../timeline/timeline.js";
import { createDealEngine, type DealEngine } from "./engine.js";
import type { Caller } from "./process.js";
import { type DealRecord, getDeal } from "./store.js";
import { claimDueTimers } from "./timers.js";

/** The offer process on the engine and a real database, without HTTP: every transition and rule. */
const SYSTEM: Caller = { actor: "system", user: null };
const logger = pino({ level: "silent" });
const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
let db: Db;
let engine: DealEngine;
let seller: User;
let buyer: User;
let moderator: User;

const usd = (amount: number): Money => ({ amount, currency: "usd" });
const asBuyer = (user: User = buyer): Caller => ({ actor: "buyer", user });
const asSeller: () => Caller = () => ({ actor: "seller", user: seller });

async function user(role: Role): Promise<User> {
  const id = randomUUID();
  return toUser(
    await insertUser(db, { id, username: `u${id.slice(0, 8)}`, displayName: role, role, passwordHash: "x" }),
  );
}

async function item(offers: Item["offers"] = { enabled: true }): Promise<Item> {
  const id = randomUUID();
  await insertItem(db, {
    id,
    sellerId: seller.id,
    title: "Lamp",
    description: "",
    price: usd(10_000),
    ...NEW_ITEM_DETAILS,
    offers,
  });
  return requireItem(db, id);
}

const timeline = () => new Timeline(db, new Bus());

async function offer(on: Item, amount: Money, by: User = buyer): Promise<DealRecord> {
  return timeline().write(on.id, async (write) =>
    engine.start(write, await requireItem(write.tx, on.id, true), "offer", "offer", by, { amount }),
  );
}

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

const stateOf = async (deal: DealRecord) => (await getDeal(db, deal.id))?.state;
const itemStatus = async (deal: DealRecord) => (await requireItem(db, deal.itemId)).status;

async function sweepDue(deal: DealRecord): Promise<void> {
  await db.query("update timers set fire_at = now() - interval '1 second' where deal_id = $1", [deal.id]);
  await Promise.all((await claimDueTimers(db, 100)).map((timer) => engine.fire(timer)));
}

beforeAll(async () => {
  db = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 5 })
    : await openPglite(undefined);
  await migrate(db);
  const bus = new Bus();
  engine = createDealEngine({
    db,
    timeline: new Timeline(db, bus, createOutbox({ db, bus, logger }).drain),
    durations: {
      checkoutHoldSeconds: 900,
      offerTtlSeconds: 3600,
      auctionPaymentSeconds: 86_400,
      reviewWindowSeconds: 1_209_600,
      autoCompleteSeconds: 1_209_600,
      shipBySeconds: 604_800,
    },
    feeBps: 0,
    provider: "simulated",
    logger,
  });
  [seller, buyer, moderator] = await Promise.all([user("seller"), user("buyer"), user("moderator")]);
});
afterAll(async () => {
  if (schema) await db.query(`drop schema ${schema} cascade`).catch(() => {});
  await db.close();
});

describe("offer: start", () => {
  it("records the buyer's offer, counts it on the item and schedules its expiry", async () => {
    const listed = await item();
    const deal = await offer(listed, usd(6_000));
    expect(deal).toMatchObject({
      process: "offer",
      state: "offered",
      unitPrice: usd(10_000),
      offer: { amount: 6_000, by: "buyer", round: 1, buyerAmount: 6_000, sellerAmount: null, buyerOffers: 1 },
    });
    const [timer] = await db.query<{ transition: string; seconds: number }>(
      `select transition, round(extract(epoch from fire_at - now()))::int as seconds from timers
       where deal_id = $1 and fired_at is null and canceled_at is null`,
      [deal.id],
    );
    expect(timer?.transition).toBe("expire");
    expect(timer?.seconds).toBeGreaterThan(3590);
    expect((await requireItem(db, listed.id)).openOffers).toBe(1);
    expect(await thread(deal)).toEqual(["offer:->offered:buyer"]);
  });

  it("refuses by its guards, changing nothing", async () => {
    const listed = await item({ enabled: true, minAmount: usd(5_000) });
    expect(await refusal(offer(listed, usd(6_000), seller))).toBe("forbidden");
    expect(await refusal(offer(listed, usd(6_000), moderator))).toBe("forbidden");
    expect(await refusal(offer(listed, { amount: 6_000, currency: "eur" }))).toBe("bad_request");
    expect(await refusal(offer(listed, usd(10_001)))).toBe("bad_request");
    expect(await refusal(offer(listed, usd(0)))).toBe("bad_request");
    expect(await refusal(offer(listed, usd(4_999)))).toBe("offer_too_low");
    expect(await refusal(offer(await item({ enabled: false }), usd(6_000)))).toBe("conflict");
    expect(await db.query("select 1 from deals where item_id = $1", [listed.id])).toEqual([]);
    await offer(listed, usd(5_000));
    expect(await refusal(offer(listed, usd(6_000)))).toBe("conflict");
    // Another buyer may have their own open offer on the same item.
    expect((await offer(listed, usd(6_000), await user("buyer"))).state).toBe("offered");
  });
});

describe("offer: counters", () => {
  it("alternate sides, each strictly between the standing numbers; 3 buyer offers at most", async () => {
    const deal = await offer(await item(), usd(5_000));
    const counter = (caller: Caller, amount: number) =>
      apply(deal, "counter", caller, { amount: usd(amount) });
    expect(await refusal(counter(asBuyer(), 6_000))).toBe("forbidden");
    expect(await refusal(counter(asSeller(), 5_000))).toBe("bad_request");
    expect(await refusal(counter(asSeller(), 10_000))).toBe("bad_request");
    expect(await refusal(apply(deal, "counter", asSeller(), {}))).toBe("bad_request");
    expect((await counter(asSeller(), 9_000)).state).toBe("countered");
    expect(await refusal(counter(asSeller(), 8_000))).toBe("forbidden");
    expect(await refusal(counter(asBuyer(), 5_000))).toBe("bad_request");
    expect(await refusal(counter(asBuyer(), 9_000))).toBe("bad_request");
    expect((await counter(asBuyer(), 6_000)).offer).toMatchObject({
      amount: 6_000,
      by: "buyer",
      buyerOffers: 2,
    });
    // The seller's next counter lies between the buyer's last offer (60) and the price.
    expect(await refusal(counter(asSeller(), 6_000))).toBe("bad_request");
    await counter(asSeller(), 8_000);
    await counter(asBuyer(), 7_000);
    await counter(asSeller(), 7_500);
    expect(await refusal(counter(asBuyer(), 7_200))).toBe("offer_limit");
    expect((await getDeal(db, deal.id))?.offer).toMatchObject({ amount: 7_500, by: "seller", round: 6 });
    expect(await thread(deal)).toEqual([
      "offer:->offered:buyer",
      "counter:offered>countered:seller",
      "counter:countered>offered:buyer",
      "counter:offered>countered:seller",
      "counter:countered>offered:buyer",
      "counter:offered>countered:seller",
    ]);
  });

  it("restart the expiry clock", async () => {
    const deal = await offer(await item(), usd(5_000));
    await db.query("update timers set fire_at = now() + interval '10 seconds' where deal_id = $1", [deal.id]);
    const countered = await apply(deal, "counter", asSeller(), { amount: usd(9_000) });
    expect(Date.parse(countered.nextDeadline!) - Date.now()).toBeGreaterThan(3_500_000);
  });
});

describe("offer: accept, decline, withdraw", () => {
  it("accept (seller on offered) holds the unit and opens the payment at the agreed price", async () => {
    const deal = await offer(await item(), usd(7_000));
    expect(await refusal(apply(deal, "accept", asBuyer()))).toBe("forbidden");
    const accepted = await apply(deal, "accept", asSeller());
    expect(accepted).toMatchObject({ state: "accepted", unitPrice: usd(7_000), total: usd(7_000) });
    expect(await itemStatus(deal)).toBe("reserved");
    expect(await getPayment(db, accepted.paymentId!)).toMatchObject({
      status: "requires_payment",
      amount: usd(7_000),
      dealId: deal.id,
    });
    expect(accepted.nextDeadline).toBe((await getPayment(db, accepted.paymentId!))?.expiresAt);
    for (const [name, caller] of [
      ["counter", asSeller()],
      ["decline", asSeller()],
      ["withdraw", asBuyer()],
      ["accept", asSeller()],
    ] as const) {
      expect(await refusal(apply(deal, name, caller, { amount: usd(8_000) })), name).toBe(
        "invalid_transition",
      );
    }
  });

  it("accept (buyer on countered) takes the seller's number; a second accept while held is item_reserved", async () => {
    const listed = await item();
    const first = await offer(listed, usd(6_000));
    const second = await offer(listed, usd(6_500), await user("buyer"));
    await apply(first, "counter", asSeller(), { amount: usd(8_000) });
    expect(await refusal(apply(first, "accept", asSeller()))).toBe("forbidden");
    expect((await apply(first, "accept", asBuyer())).total).toEqual(usd(8_000));
    expect(await refusal(apply(second, "accept", asSeller()))).toBe("item_reserved");
    expect(await stateOf(second)).toBe("offered");
  });

  it("decline: the seller on offered, the buyer on countered; withdraw: the buyer on offered", async () => {
    const listed = await item();
    const a = await offer(listed, usd(6_000));
    expect(await refusal(apply(a, "decline", asBuyer()))).toBe("forbidden");
    expect((await apply(a, "decline", asSeller())).state).toBe("declined");
    const b = await offer(listed, usd(6_000));
    await apply(b, "counter", asSeller(), { amount: usd(9_000) });
    expect(await refusal(apply(b, "decline", asSeller()))).toBe("forbidden");
    expect(await refusal(apply(b, "withdraw", asBuyer()))).toBe("invalid_transition");
    expect((await apply(b, "decline", asBuyer())).state).toBe("declined");
    const c = await offer(listed, usd(6_000));
    expect(await refusal(apply(c, "withdraw", asSeller()))).toBe("forbidden");
    expect((await apply(c, "withdraw", asBuyer())).state).toBe("withdrawn");
    expect((await requireItem(db, listed.id)).openOffers).toBe(0);
    expect(await thread(c)).toEqual(["offer:->offered:buyer", "withdraw:offered>withdrawn:buyer"]);
  });
});

describe("offer: the system's transitions", () => {
  it("expire: an offer or a counter left unanswered; an accepted one left unpaid releases the unit", async () => {
    const listed = await item();
    const offered = await offer(listed, usd(6_000));
    await sweepDue(offered);
    expect(await thread(offered)).toEqual(["offer:->offered:buyer", "expire:offered>expired:system"]);
    const countered = await offer(listed, usd(6_000));
    await apply(countered, "counter", asSeller(), { amount: usd(9_000) });
    await sweepDue(countered);
    expect(await stateOf(countered)).toBe("expired");
    const accepted = await apply(await offer(listed, usd(6_000)), "accept", asSeller());
    await sweepDue(accepted);
    expect(await stateOf(accepted)).toBe("expired");
    expect(await itemStatus(accepted)).toBe("available");
    expect((await getPayment(db, accepted.paymentId!))?.status).toBe("canceled");
    expect(await refusal(apply(offered, "expire", asBuyer()))).toBe("invalid_transition");
  });

  it("pay sells the item and closes every other open offer (declined, by the system, with the reason)", async () => {
    const listed = await item();
    const winner = await apply(await offer(listed, usd(9_000)), "accept", asSeller());
    const other = await offer(listed, usd(6_000), await user("buyer"));
    const countered = await offer(listed, usd(6_000), await user("buyer"));
    await apply(countered, "counter", asSeller(), { amount: usd(9_500) });
    expect(await refusal(apply(winner, "pay", asBuyer()))).toBe("forbidden");
    expect((await apply(winner, "pay", SYSTEM)).state).toBe("paid");
    expect(await itemStatus(winner)).toBe("sold");
    for (const deal of [other, countered]) {
      expect(await stateOf(deal)).toBe("declined");
      const [last] = (await listEvents(db, DEAL_EVENTS, deal.id, 0, 100)).slice(-1);
      expect(bodyOf(last!, "custom:deal")).toMatchObject({
        transition: "close",
        by: "system",
        params: { reason: "The item was sold" },
      });
    }
    expect((await requireItem(db, listed.id)).openOffers).toBe(0);
  });

  it("void ends an accepted offer whose charge was canceled; close is the system's only", async () => {
    const accepted = await apply(await offer(await item(), usd(6_000)), "accept", asSeller());
    expect((await apply(accepted, "void", SYSTEM)).state).toBe("canceled");
    expect(await itemStatus(accepted)).toBe("available");
    const open = await offer(await item(), usd(6_000));
    expect(await refusal(apply(open, "close", asSeller(), { reason: "x" }))).toBe("forbidden");
    expect(await refusal(apply(open, "close", SYSTEM, {}))).toBe("bad_request");
    expect((await apply(open, "close", SYSTEM, { reason: "The item was removed" })).state).toBe("declined");
  });

  it("a buy-now sale closes the item's open offers too", async () => {
    const listed = await item();
    const open = await offer(listed, usd(6_000));
    const other = await user("buyer");
    const bought = await timeline().write(listed.id, async (write) =>
      engine.start(write, await requireItem(write.tx, listed.id, true), "buy-now", "checkout", other),
    );
    expect(await stateOf(open)).toBe("offered");
    await apply(bought, "pay", SYSTEM);
    expect(await stateOf(open)).toBe("declined");
  });
});
