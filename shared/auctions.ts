import { z } from "zod";
import { LIMITS } from "./limits.js";
import { ZMoney } from "./money.js";

/** The longest an auction may run, and the longest soft close (a day, an hour). */
const AUCTION_DAYS_MAX = 30;
const SOFT_CLOSE_MAX = 3600;

/** `sale` on create or edit: a fixed price (the default), or an auction whose starting bid is `price`. */
export const ZSale = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("fixed") }),
    z.strictObject({
      kind: z.literal("auction"),
      startingBid: ZMoney,
      reserve: ZMoney.optional(),
      startsAt: z.iso.datetime({ offset: true, error: "Give the start as a date and time" }).optional(),
      endsAt: z.iso.datetime({ offset: true, error: "Give the end as a date and time" }),
      softCloseSeconds: z
        .int({ error: "Soft close is a whole number of seconds" })
        .min(0)
        .max(SOFT_CLOSE_MAX, `Soft close is at most ${SOFT_CLOSE_MAX} seconds`)
        .optional(),
    }),
  ],
  { error: 'Sale is { kind: "fixed" } or an auction' },
);
export type Sale = z.infer<typeof ZSale>;
export type AuctionSale = Extract<Sale, { kind: "auction" }>;
export const AUCTION_DURATION_MAX_MS = AUCTION_DAYS_MAX * 86_400_000;
export const SOFT_CLOSE_DEFAULT = 120;

export const AUCTION_STATUSES = ["scheduled", "live", "ended"] as const;

/**
 * An item's auction as everyone sees it. `reserve` only reaches the seller, `yourMaximum` only the bidder
 * it belongs to; `startingBid`, `startsAt` and `softCloseSeconds` are public.
 */
export const ZAuctionState = z.object({
  status: z.enum(AUCTION_STATUSES),
  currentPrice: ZMoney.nullable(),
  leader: z.object({ id: z.uuid(), username: z.string() }).nullable(),
  bidCount: z.int(),
  endsAt: z.string(),
  reserveMet: z.boolean(),
  startingBid: ZMoney,
  startsAt: z.string(),
  softCloseSeconds: z.int(),
  /** Whether the item has a reserve (its amount is the seller's). */
  hasReserve: z.boolean(),
  reserve: ZMoney.optional(),
  yourMaximum: ZMoney.optional(),
});
export type AuctionState = z.infer<typeof ZAuctionState>;

export const ZPlaceBid = z.strictObject({
  maxAmount: ZMoney,
  /** The bidder's own id for this bid: sending it again never bids twice. */
  clientBidId: z.string().min(1).max(LIMITS.clientMessageIdMax),
});
export const ZBidPlace = ZPlaceBid.extend({ itemId: z.uuid() });
export type BidPlace = z.infer<typeof ZBidPlace>;

export const ZBid = z.object({ id: z.uuid(), maxAmount: ZMoney, leading: z.boolean() });
export type Bid = z.infer<typeof ZBid>;

/** `custom:bid`: the price or the leader changed. */
export const ZBidEventBody = z.object({
  bidder: z.object({ id: z.uuid(), username: z.string() }),
  amount: ZMoney,
  leaderId: z.uuid(),
  /** How many bids the auction has with this one (extension: a raised maximum counts, unannounced). */
  bidCount: z.int().optional(),
});
export type BidEventBody = z.infer<typeof ZBidEventBody>;

/** `custom:auction`: the end moved (soft close), or the auction ended. */
export const ZAuctionEventBody = z.union([
  z.object({ status: z.literal("extended"), endsAt: z.string() }),
  z.object({
    status: z.literal("ended"),
    winner: z.object({ id: z.uuid(), username: z.string() }).nullable(),
    amount: ZMoney.nullable(),
    reserveMet: z.boolean(),
  }),
]);
export type AuctionEventBody = z.infer<typeof ZAuctionEventBody>;

/** The contract's increment table: the step above `price` (minor units) a new bid must reach. */
const INCREMENTS: [below: number, step: number][] = [
  [100, 5],
  [500, 25],
  [2_500, 50],
  [10_000, 100],
  [25_000, 250],
  [50_000, 500],
  [100_000, 1_000],
  [250_000, 2_500],
  [500_000, 5_000],
];

export function incrementFor(price: number): number {
  return INCREMENTS.find(([below]) => price < below)?.[1] ?? 10_000;
}

/** The least a new bidder may bid: the starting bid, or the current price plus one increment. */
export function nextValidAmount(startingBid: number, currentPrice: number | null): number {
  return currentPrice === null ? startingBid : currentPrice + incrementFor(currentPrice);
}
