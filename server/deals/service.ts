import { type Deal, type DealPage, type ListDealsQuery, MAX_BUYER_OFFERS } from "../../shared/deals.js";
import { AppError } from "../../shared/errors.js";
import type { DealEvent } from "../../shared/events.js";
import type { EventsQuery } from "../../shared/items.js";
import type { DealMessageSend } from "../../shared/socket.js";
import type { User } from "../../shared/users.js";
import type { Db, Queryable } from "../db/db.js";
import { authorOf } from "../items/service.js";
import { getPayment, toPayment } from "../payments/store.js";
import { DEAL_EVENTS, listEvents } from "../timeline/store.js";
import type { Timeline } from "../timeline/timeline.js";
import type { DealEngine } from "./engine.js";
import { transitionsFor } from "./engine.js";
import { dealPolicy } from "./policy.js";
import { type DealRecord, getDeal, listDeals } from "./store.js";

export type DealService = ReturnType<typeof createDealService>;

const ALL = 2 ** 31 - 1;

/**
 * The contract's `Deal` for one viewer: `transitions` are those the viewer may take now (never the
 * system's). Only parties and moderators ever get here (callers check `dealPolicy.partyOf`).
 */
export async function presentDeal(
  q: Queryable,
  record: DealRecord,
  viewer: Pick<User, "id" | "role">,
): Promise<Deal> {
  const party = dealPolicy.partyOf(viewer, record);
  const payment = record.paymentId ? await getPayment(q, record.paymentId) : null;
  const { paymentId: _payment, cursorAt: _cursor, shippingAddress, offer, ...rest } = record;
  return {
    ...rest,
    offer:
      offer?.amount && offer.by
        ? {
            amount: { amount: offer.amount, currency: record.unitPrice.currency },
            by: offer.by,
            round: offer.round,
            offersLeft: Math.max(0, MAX_BUYER_OFFERS - offer.buyerOffers),
          }
        : null,
    // Only parties and moderators get here; the address is theirs once the deal is paid.
    shippingAddress: payment?.status === "succeeded" ? shippingAddress : null,
    payment: payment ? toPayment(payment) : null,
    transitions: transitionsFor(record, party),
  };
}

/** Reading deals and their private threads, and writing to the threads. Transitions are the engine's. */
export function createDealService(deps: { db: Db; timeline: Timeline; engine: DealEngine }) {
  const { db, timeline, engine } = deps;

  /** The deal if the user is a party or a moderator; 404 to everyone else (the deal is private). */
  async function requireVisible(user: User, dealId: string): Promise<DealRecord> {
    const deal = await getDeal(db, dealId);
    if (!deal || !dealPolicy.partyOf(user, deal)) throw new AppError("not_found", "No such deal");
    return deal;
  }

  return {
    /** The stored deal, unchecked: for the server's own use (realtime), never a reply to a user. */
    record: (dealId: string) => getDeal(db, dealId),
    present: (record: DealRecord, viewer: Pick<User, "id" | "role">) => presentDeal(db, record, viewer),
    /** Thread events after `after`, unchecked: fills a realtime gap for sockets already admitted. */
    eventsAfter: (dealId: string, after: number, limit: number) =>
      listEvents(db, DEAL_EVENTS, dealId, after, limit),

    async get(user: User, dealId: string): Promise<Deal> {
      return presentDeal(db, await requireVisible(user, dealId), user);
    },

    /** The caller's deals (as buyer, seller or both), newest activity first; moderators see all. */
    async list(user: User, query: ListDealsQuery): Promise<DealPage> {
      const records = await listDeals(db, {
        userId: user.role === "moderator" ? null : user.id,
        ...(query.role ? { role: query.role } : {}),
        ...(query.state ? { state: query.state } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit + 1,
      });
      const page = records.slice(0, query.limit);
      const last = page.at(-1);
      return {
        deals: await Promise.all(page.map((record) => presentDeal(db, record, user))),
        nextCursor: records.length > query.limit && last ? `${last.cursorAt}|${last.id}` : null,
      };
    },

    async events(user: User, dealId: string, query: EventsQuery): Promise<DealEvent[]> {
      await requireVisible(user, dealId);
      return listEvents(db, DEAL_EVENTS, dealId, query.after, query.limit);
    },

    /** A transition by a party or a moderator; answers the deal as the caller now sees it. */
    async transition(user: User, dealId: string, name: string, params: unknown): Promise<Deal> {
      return presentDeal(db, await engine.transition(dealId, name, user, params), user);
    },

    /**
     * The deal and its thread after `afterSeq` (below `beforeSeq` when given: the caller delivers the
     * rest live); `subscribe` is called once the history is read, as for an item's room.
     */
    async join(
      user: User,
      dealId: string,
      afterSeq: number,
      subscribe: () => void,
      beforeSeq: number | null,
    ): Promise<{ deal: Deal; events: DealEvent[] }> {
      // The deal before its events: its lastSeq then never runs ahead of the history read.
      const record = await requireVisible(user, dealId);
      const limit = beforeSeq === null ? ALL : Math.max(0, beforeSeq - afterSeq - 1);
      const events = limit === 0 ? [] : await listEvents(db, DEAL_EVENTS, dealId, afterSeq, limit);
      subscribe();
      return { deal: await presentDeal(db, record, user), events };
    },

    /**
     * A chat message in the deal's thread, by a party, or by a moderator settling a dispute (the thread is
     * the parties' own otherwise); idempotent by `clientMessageId`.
     */
    async send(user: User, input: DealMessageSend): Promise<{ event: DealEvent; duplicate: boolean }> {
      const deal = await requireVisible(user, input.dealId);
      if (dealPolicy.partyOf(user, deal) === "moderator" && deal.state !== "disputed") {
        throw new AppError("forbidden", "Moderators write in a deal's thread only while it is disputed");
      }
      return timeline.appendToDeal(input.dealId, {
        type: "text",
        author: authorOf(user),
        body: { text: input.text },
        clientMessageId: input.clientMessageId,
      });
    },
  };
}
