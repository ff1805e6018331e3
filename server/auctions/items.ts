import { AUCTION_DURATION_MAX_MS, type Sale } from "../../shared/auctions.js";
import { AppError, type FieldError } from "../../shared/errors.js";
import type { Item, ItemDetails } from "../../shared/items.js";
import type { User } from "../../shared/users.js";
import type { Queryable } from "../db/db.js";
import { cancelItemTimers, scheduleItemTimer } from "../deals/timers.js";
import { dropAuction, getAuction, maximaOf, putUpForAuction, setStartingBid } from "./store.js";

/** The item timer that closes an auction (server/auctions/service.ts fires it). */
export const CLOSE_TIMER = "auction.close";
/** The item timer that announces `auction.ending`, an hour before the scheduled end. */
export const ENDING_TIMER = "auction.ending";
/** How long before its end an auction's watchers and bidders are told it is ending. */
export const ENDING_NOTICE_MS = 3600 * 1000;

/*
 * The auction's part of an item: its terms when the seller creates or edits it, and what each viewer sees
 * of it (the reserve's amount is the seller's, a maximum is its bidder's).
 */

function checkTerms(sale: Extract<Sale, { kind: "auction" }>, details: ItemDetails): void {
  const problems: FieldError[] = [];
  const startsAt = sale.startsAt ? Date.parse(sale.startsAt) : Date.now();
  const endsAt = Date.parse(sale.endsAt);
  if (endsAt <= Date.now()) problems.push({ path: "sale.endsAt", message: "The end must be in the future" });
  if (endsAt <= startsAt)
    problems.push({ path: "sale.endsAt", message: "The end must come after the start" });
  if (endsAt - startsAt > AUCTION_DURATION_MAX_MS) {
    problems.push({ path: "sale.endsAt", message: "An auction runs for at most 30 days" });
  }
  if (sale.reserve && sale.reserve.currency !== sale.startingBid.currency) {
    problems.push({ path: "sale.reserve.currency", message: "Use the same currency as the starting bid" });
  }
  if (sale.reserve && sale.reserve.amount < sale.startingBid.amount) {
    problems.push({ path: "sale.reserve.amount", message: "The reserve cannot be below the starting bid" });
  }
  if (details.quantity !== 1) problems.push({ path: "quantity", message: "An auction sells one unit" });
  if (problems.length > 0) throw new AppError("bad_request", problems[0]!.message, problems);
}

/** The details an auctioned item is listed with: its price is the starting bid. */
export function withSale(details: ItemDetails, sale: Sale | undefined): ItemDetails {
  if (sale?.kind !== "auction") return details;
  const priced = { ...details, price: sale.startingBid };
  checkTerms(sale, priced);
  return priced;
}

/**
 * Refuses what may no longer change: price and sale once an auction has a bid (until it ended unsold).
 * Inside the item's write, before the details are written.
 */
export function assertEditable(item: Item, patch: { price?: unknown; sale?: unknown }): void {
  const auction = item.auction;
  if (!auction || auction.bidCount === 0 || auction.status === "ended") return;
  if (patch.price !== undefined || patch.sale !== undefined) {
    throw new AppError("auction_has_bids", "The auction has bids: its price and terms can no longer change");
  }
}

/**
 * Writes the sale after the item's details: new auction terms (and their close timer), back to a fixed
 * price, or a new starting bid that follows the edited price.
 */
export async function saveSale(
  tx: Queryable,
  item: { id: string; auction: Item["auction"] },
  details: ItemDetails,
  sale: Sale | undefined,
): Promise<void> {
  if (sale?.kind === "auction") {
    await putUpForAuction(tx, item.id, sale);
    await cancelItemTimers(tx, item.id);
    await scheduleItemTimer(tx, { itemId: item.id, name: CLOSE_TIMER, fireAt: sale.endsAt });
    // Only when there is an hour to give notice of: a shorter auction is "ending" from its start.
    const noticeAt = Date.parse(sale.endsAt) - ENDING_NOTICE_MS;
    if (noticeAt > Date.now()) {
      await scheduleItemTimer(tx, {
        itemId: item.id,
        name: ENDING_TIMER,
        fireAt: new Date(noticeAt).toISOString(),
      });
    }
  } else if (sale?.kind === "fixed" && item.auction) {
    await dropAuction(tx, item.id);
    await cancelItemTimers(tx, item.id);
  } else if (item.auction) {
    await setStartingBid(tx, item.id, details.price.amount);
  }
}

/** The item as `viewer` sees it: the seller gets the reserve, a bidder their own maximum. */
export async function presentItem(q: Queryable, item: Item, viewer: User | null): Promise<Item> {
  const [presented] = await presentItemTo(q, item, [viewer]);
  return presented!;
}

/**
 * The item as each of `viewers` sees it, in `viewers`' order, in two reads at most however many they
 * are (a crowd joining an auction's room at once).
 */
export async function presentItemTo(q: Queryable, item: Item, viewers: (User | null)[]): Promise<Item[]> {
  const auction = item.auction;
  if (!auction) return viewers.map(() => item);
  const sellerId = item.seller.id;
  const bidderIds = [
    ...new Set(viewers.flatMap((viewer) => (viewer && viewer.id !== sellerId ? [viewer.id] : []))),
  ];
  const maxima = await maximaOf(q, item.id, bidderIds);
  const reserve = viewers.some((viewer) => viewer?.id === sellerId)
    ? ((await getAuction(q, item.id))?.reserve ?? null)
    : null;
  const money = (amount: number) => ({ amount, currency: item.price.currency });
  return viewers.map((viewer) => {
    if (!viewer) return item;
    const own = viewer.id === sellerId ? reserve : (maxima.get(viewer.id) ?? null);
    if (own === null) return item;
    return {
      ...item,
      auction:
        viewer.id === sellerId
          ? { ...auction, reserve: money(own) }
          : { ...auction, yourMaximum: money(own) },
    };
  });
}
