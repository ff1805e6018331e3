import type { AuctionSale } from "../../shared/auctions.js";
import { SOFT_CLOSE_DEFAULT } from "../../shared/auctions.js";
import type { Queryable } from "../db/db.js";
import type { Standing } from "./proxy.js";

/** An auction's row as its writers need it, read under the item's lock, with the database's clock. */
export type AuctionRecord = {
  itemId: string;
  startingBid: number;
  reserve: number | null;
  startsAt: Date;
  endsAt: Date;
  softCloseSeconds: number;
  currentPrice: number | null;
  leaderId: string | null;
  bidCount: number;
  endedAt: Date | null;
  secondChanceAt: Date | null;
  /** The transaction's now: the database decides when an auction is live. */
  now: Date;
};

type AuctionRow = {
  item_id: string;
  starting_bid: number;
  reserve_amount: number | null;
  starts_at: Date;
  ends_at: Date;
  soft_close_seconds: number;
  current_price: number | null;
  leader_id: string | null;
  bid_count: number;
  ended_at: Date | null;
  second_chance_at: Date | null;
  now: Date;
};

/** The item's auction (the caller holds the item's row lock, which guards it), or null. */
export async function getAuction(q: Queryable, itemId: string): Promise<AuctionRecord | null> {
  const [row] = await q.query<AuctionRow>("select *, now() as now from auctions where item_id = $1", [
    itemId,
  ]);
  if (!row) return null;
  return {
    itemId: row.item_id,
    startingBid: row.starting_bid,
    reserve: row.reserve_amount,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    softCloseSeconds: row.soft_close_seconds,
    currentPrice: row.current_price,
    leaderId: row.leader_id,
    bidCount: row.bid_count,
    endedAt: row.ended_at,
    secondChanceAt: row.second_chance_at,
    now: row.now,
  };
}

/** Puts the item up for auction (replacing earlier terms and their bids: only done before a bid counts). */
export async function putUpForAuction(q: Queryable, itemId: string, sale: AuctionSale): Promise<void> {
  await q.query("delete from bids where item_id = $1", [itemId]);
  await q.query(
    `insert into auctions (item_id, starting_bid, reserve_amount, starts_at, ends_at, soft_close_seconds)
     values ($1, $2, $3, coalesce($4::timestamptz, now()), $5, $6)
     on conflict (item_id) do update set starting_bid = excluded.starting_bid,
       reserve_amount = excluded.reserve_amount, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
       soft_close_seconds = excluded.soft_close_seconds, current_price = null, leader_id = null,
       bid_count = 0, ended_at = null, second_chance_at = null`,
    [
      itemId,
      sale.startingBid.amount,
      sale.reserve?.amount ?? null,
      sale.startsAt ?? null,
      sale.endsAt,
      sale.softCloseSeconds ?? SOFT_CLOSE_DEFAULT,
    ],
  );
}

/** The item goes back to a fixed price. */
export async function dropAuction(q: Queryable, itemId: string): Promise<void> {
  await q.query("delete from bids where item_id = $1", [itemId]);
  await q.query("delete from auctions where item_id = $1", [itemId]);
}

/** Before the first bid, the starting bid follows the item's price. */
export async function setStartingBid(q: Queryable, itemId: string, amount: number): Promise<void> {
  await q.query("update auctions set starting_bid = $2 where item_id = $1", [itemId, amount]);
}

export async function saveAuctionState(
  q: Queryable,
  itemId: string,
  state: { currentPrice: number; leaderId: string; endsAt: Date },
): Promise<void> {
  await q.query(
    "update auctions set current_price = $2, leader_id = $3, ends_at = $4, bid_count = bid_count + 1 where item_id = $1",
    [itemId, state.currentPrice, state.leaderId, state.endsAt],
  );
}

export async function markEnded(q: Queryable, itemId: string): Promise<void> {
  await q.query("update auctions set ended_at = now() where item_id = $1", [itemId]);
}

export async function markSecondChance(q: Queryable, itemId: string): Promise<void> {
  await q.query("update auctions set second_chance_at = now() where item_id = $1", [itemId]);
}

export type BidRecord = { id: string; maxAmount: number };

export async function findBid(
  q: Queryable,
  bidderId: string,
  clientBidId: string,
): Promise<(BidRecord & { itemId: string }) | null> {
  const [row] = await q.query<{ id: string; max_amount: number; item_id: string }>(
    "select id, max_amount, item_id from bids where bidder_id = $1 and client_bid_id = $2",
    [bidderId, clientBidId],
  );
  return row ? { id: row.id, maxAmount: row.max_amount, itemId: row.item_id } : null;
}

export async function insertBid(
  q: Queryable,
  bid: { id: string; itemId: string; bidderId: string; maxAmount: number; clientBidId: string },
): Promise<void> {
  await q.query(
    "insert into bids (id, item_id, bidder_id, max_amount, client_bid_id) values ($1, $2, $3, $4, $5)",
    [bid.id, bid.itemId, bid.bidderId, bid.maxAmount, bid.clientBidId],
  );
}

/** A bidder's highest maximum on the item, or null. */
export async function maximumOf(q: Queryable, itemId: string, bidderId: string): Promise<number | null> {
  return (await maximaOf(q, itemId, [bidderId])).get(bidderId) ?? null;
}

/** The highest maximum each of `bidderIds` has bid on the item, by bidder (those who never bid are absent). */
export async function maximaOf(
  q: Queryable,
  itemId: string,
  bidderIds: string[],
): Promise<Map<string, number>> {
  if (bidderIds.length === 0) return new Map();
  const rows = await q.query<{ bidder_id: string; max: number }>(
    `select bidder_id, max(max_amount) as max from bids
      where item_id = $1 and bidder_id = any($2::uuid[]) group by bidder_id`,
    [itemId, bidderIds],
  );
  return new Map(rows.map((row) => [row.bidder_id, row.max]));
}

/**
 * The bidders by standing (highest maximum, earlier first on a tie), each once; `except` leaves bidders
 * out (a second chance skips the winner who lapsed).
 */
export async function standings(
  q: Queryable,
  itemId: string,
  options: { limit: number; except?: string[] },
): Promise<Standing[]> {
  const rows = await q.query<{ bidder_id: string; max_amount: number; n: string | number }>(
    `select bidder_id, max_amount, n from (
       select distinct on (bidder_id) bidder_id, max_amount, n from bids
       where item_id = $1 and not (bidder_id = any($3::uuid[]))
       order by bidder_id, max_amount desc, n
     ) s order by max_amount desc, n limit $2`,
    [itemId, options.limit, options.except ?? []],
  );
  return rows.map((row) => ({ bidderId: row.bidder_id, max: row.max_amount, n: Number(row.n) }));
}

/** Everyone who already had a deal on this auctioned item (a second chance goes to someone else). */
export async function auctionBuyers(q: Queryable, itemId: string): Promise<string[]> {
  const rows = await q.query<{ buyer_id: string }>(
    "select distinct buyer_id from deals where item_id = $1 and process = 'auction'",
    [itemId],
  );
  return rows.map((row) => row.buyer_id);
}
