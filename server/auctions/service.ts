import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { type Bid, nextValidAmount } from "../../shared/auctions.js";
import { AppError } from "../../shared/errors.js";
import type { Item } from "../../shared/items.js";
import { formatMoney } from "../../shared/money.js";
import type { User } from "../../shared/users.js";
import { findUserById, toUser } from "../auth/store.js";
import type { Db, Queryable } from "../db/db.js";
import { SECOND_CHANCE_TIMER } from "../deals/actions/auction.js";
import type { DealEngine } from "../deals/engine.js";
import { type DueTimer, scheduleItemTimer, takeItemTimer } from "../deals/timers.js";
import { assertOpen, requireItem } from "../items/service.js";
import { writeOutbox } from "../outbox/outbox.js";
import type { Timeline } from "../timeline/timeline.js";
import { CLOSE_TIMER, ENDING_TIMER, presentItem } from "./items.js";
import { resolvePrice } from "./proxy.js";
import {
  auctionBuyers,
  findBid,
  getAuction,
  insertBid,
  markEnded,
  markSecondChance,
  maximumOf,
  saveAuctionState,
  standings,
} from "./store.js";

export type AuctionService = ReturnType<typeof createAuctionService>;

/**
 * Auctions in the item's room. A bid is decided on the locked item in the room's group commit (with the
 * chat around it): proxy bidding (proxy.ts) sets the price and the leader, `custom:bid` announces a change
 * of either, and a change within the soft close moves the end (`custom:auction extended`). The close is an
 * item timer fired exactly once by any process; it rearms itself at the new end after extensions, then
 * announces the result and starts the winner's `auction` deal (deals/processes/auction.ts).
 */
export function createAuctionService(deps: {
  db: Db;
  timeline: Timeline;
  engine: DealEngine;
  logger: Logger;
}) {
  const { timeline, engine } = deps;

  async function answer(q: Queryable, itemId: string, user: User, bid: { id: string; maxAmount: number }) {
    const item = await presentItem(q, await requireItem(q, itemId), user);
    const result: { bid: Bid; item: Item } = {
      bid: {
        id: bid.id,
        maxAmount: { amount: bid.maxAmount, currency: item.price.currency },
        leading: item.auction?.leader?.id === user.id,
      },
      item,
    };
    return result;
  }

  async function userOf(q: Queryable, id: string): Promise<User> {
    const record = await findUserById(q, id);
    if (!record) throw new Error(`user ${id} vanished`);
    return toUser(record);
  }

  /** The auction ends now (its timer is taken): the result in the room, the winner's deal. */
  async function close(itemId: string): Promise<boolean> {
    return timeline.write(itemId, async (write) => {
      const item = await requireItem(write.tx, itemId, true);
      if (!(await takeItemTimer(write.tx, itemId, CLOSE_TIMER))) return false;
      const auction = await getAuction(write.tx, itemId);
      if (!auction || auction.endedAt) return false;
      // Extended since the timer was set: wait for the new end.
      if (auction.endsAt > auction.now) {
        await scheduleItemTimer(write.tx, {
          itemId,
          name: CLOSE_TIMER,
          fireAt: auction.endsAt.toISOString(),
        });
        return false;
      }
      await markEnded(write.tx, itemId);
      const price = auction.currentPrice;
      const leader = item.auction?.leader ?? null;
      const reserveMet = price !== null && (auction.reserve === null || price >= auction.reserve);
      const amount = price === null ? null : { amount: price, currency: item.price.currency };
      await write.append({
        type: "custom:auction",
        author: null,
        body: { status: "ended", winner: leader, amount, reserveMet },
      });
      write.changed();
      if (leader && amount && reserveMet && item.status === "available") {
        const winner = await userOf(write.tx, leader.id);
        await engine.start(write, item, "auction", "win", winner, undefined, {
          system: true,
          unitPrice: amount,
        });
      }
      return true;
    });
  }

  /** An hour before the end, once (its timer is taken): the outbox tells watchers and bidders. */
  async function ending(itemId: string): Promise<boolean> {
    return timeline.write(itemId, async (write) => {
      await requireItem(write.tx, itemId, true);
      if (!(await takeItemTimer(write.tx, itemId, ENDING_TIMER))) return false;
      const auction = await getAuction(write.tx, itemId);
      if (!auction || auction.endedAt) return false;
      await write.announce({
        type: "auction.ending",
        resource: { type: "item", id: itemId },
        data: { itemId, endsAt: auction.endsAt.toISOString() },
      });
      return true;
    });
  }

  /** The winner's deal lapsed: the next bidder by maximum gets a `won` deal at their maximum, once. */
  async function secondChance(itemId: string): Promise<boolean> {
    return timeline.write(itemId, async (write) => {
      const item = await requireItem(write.tx, itemId, true);
      if (!(await takeItemTimer(write.tx, itemId, SECOND_CHANCE_TIMER))) return false;
      const auction = await getAuction(write.tx, itemId);
      if (!auction || auction.secondChanceAt || item.status !== "available") return false;
      await markSecondChance(write.tx, itemId);
      const except = await auctionBuyers(write.tx, itemId);
      const [next] = await standings(write.tx, itemId, { limit: 1, except });
      if (!next) return false;
      const buyer = await userOf(write.tx, next.bidderId);
      const unitPrice = { amount: next.max, currency: item.price.currency };
      await engine.start(write, item, "auction", "win", buyer, undefined, { system: true, unitPrice });
      return true;
    });
  }

  return {
    /**
     * Places (or raises) the user's maximum. The same `clientBidId` from the same user answers the first
     * bid and never bids twice.
     */
    async place(
      user: User,
      itemId: string,
      input: { maxAmount: { amount: number; currency: string }; clientBidId: string },
    ): Promise<{ bid: Bid; item: Item }> {
      if (user.role === "moderator") throw new AppError("forbidden", "Moderators cannot bid");
      return timeline.decide(itemId, async (tx, item, append) => {
        const repeated = await findBid(tx, user.id, input.clientBidId);
        if (repeated) return answer(tx, repeated.itemId, user, repeated);
        if (!item.auction)
          throw new AppError("conflict", "This item is sold at a fixed price, not by auction");
        if (item.seller.id === user.id) throw new AppError("forbidden", "You cannot bid on your own item");
        const auction = await getAuction(tx, itemId);
        if (!auction) throw new AppError("conflict", "This item is sold at a fixed price, not by auction");
        const { now } = auction;
        if (auction.endedAt || auction.endsAt <= now) {
          throw new AppError("auction_not_live", "This auction has ended");
        }
        if (auction.startsAt > now) {
          throw new AppError("auction_not_live", "This auction has not started yet");
        }
        // Removed by a moderator (or withdrawn): no more bids.
        assertOpen(item);
        if (input.maxAmount.currency !== item.price.currency) {
          throw new AppError("bad_request", "Bid in the item's currency", [
            { path: "maxAmount.currency", message: `Use ${item.price.currency}` },
          ]);
        }
        const currency = item.price.currency;
        const money = (amount: number) => ({ amount, currency });
        if (auction.leaderId === user.id) {
          const own = (await maximumOf(tx, itemId, user.id)) ?? 0;
          if (input.maxAmount.amount <= own) {
            throw new AppError(
              "bid_too_low",
              `You lead with a maximum of ${formatMoney(money(own))}; raise it`,
              {
                minimum: money(own + 1),
              },
            );
          }
        } else {
          const minimum = nextValidAmount(auction.startingBid, auction.currentPrice);
          if (input.maxAmount.amount < minimum) {
            throw new AppError("bid_too_low", `Bid at least ${formatMoney(money(minimum))}`, {
              minimum: money(minimum),
            });
          }
        }
        const bid = { id: randomUUID(), maxAmount: input.maxAmount.amount };
        await insertBid(tx, { ...bid, itemId, bidderId: user.id, clientBidId: input.clientBidId });
        const next = resolvePrice(auction.startingBid, await standings(tx, itemId, { limit: 2 }));
        if (!next) throw new Error(`auction ${itemId} has a bid and no leader`);
        // The leader lost the lead: told from the outbox (notifications), committed with the bid.
        if (auction.leaderId && next.leaderId !== auction.leaderId) {
          await writeOutbox(tx, {
            type: "auction.outbid",
            resource: { type: "item", id: itemId },
            data: { itemId, userId: auction.leaderId, amount: money(next.price), leaderId: next.leaderId },
          });
        }
        let endsAt = auction.endsAt;
        if (next.price !== auction.currentPrice || next.leaderId !== auction.leaderId) {
          await append({
            type: "custom:bid",
            author: null,
            body: {
              bidder: { id: user.id, username: user.username },
              amount: money(next.price),
              leaderId: next.leaderId,
              bidCount: auction.bidCount + 1,
            },
          });
          const softClose = new Date(now.getTime() + auction.softCloseSeconds * 1000);
          if (softClose > endsAt) {
            endsAt = softClose;
            await append({
              type: "custom:auction",
              author: null,
              body: { status: "extended", endsAt: endsAt.toISOString() },
            });
          }
        }
        await saveAuctionState(tx, itemId, { currentPrice: next.price, leaderId: next.leaderId, endsAt });
        return answer(tx, itemId, user, bid);
      });
    },

    /** An item timer, claimed by a sweeper: the close or the second chance, exactly once. */
    fire(timer: DueTimer): Promise<boolean> {
      if (!timer.itemId) return Promise.resolve(false);
      if (timer.transition === CLOSE_TIMER) return close(timer.itemId);
      if (timer.transition === SECOND_CHANCE_TIMER) return secondChance(timer.itemId);
      if (timer.transition === ENDING_TIMER) return ending(timer.itemId);
      deps.logger.warn({ timer }, "unknown item timer");
      return Promise.resolve(false);
    },
  };
}
