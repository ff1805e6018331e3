import { incrementFor } from "../../shared/auctions.js";

/** A bidder's standing: their highest maximum, and when they first bid it (`n`: earlier is lower). */
export type Standing = { bidderId: string; max: number; n: number };

/**
 * Proxy bidding (the contract's rule): the leader is the highest maximum, the earlier bid on a tie; the
 * price is the starting bid with one bidder, else the lower of the leader's maximum and the second
 * maximum plus one increment. `standings` holds one entry per bidder, in any order.
 */
export function resolvePrice(
  startingBid: number,
  standings: Standing[],
): { leaderId: string; price: number } | null {
  const ranked = [...standings].sort((a, b) => b.max - a.max || a.n - b.n);
  const [leader, second] = ranked;
  if (!leader) return null;
  if (!second) return { leaderId: leader.bidderId, price: startingBid };
  const price = Math.min(leader.max, second.max + incrementFor(second.max));
  return { leaderId: leader.bidderId, price: Math.max(price, startingBid) };
}
