import { z } from "zod";
import { ZActor, ZDealEvent } from "./events.js";
import { ZEventsQuery, ZQueryInt, ZSellerRef } from "./items.js";
import { CURRENCIES, LIMITS } from "./limits.js";
import { ZMoney } from "./money.js";
import { ZPayment } from "./payments.js";

/** The processes a deal can run; each is a data file on the server, published by `GET /api/processes`. */
export const PROCESS_NAMES = ["buy-now", "offer", "auction"] as const;
export const ZProcessName = z.enum(PROCESS_NAMES);
export type ProcessName = z.infer<typeof ZProcessName>;

/** A postal address; `country` is ISO 3166-1 alpha-2 (`US`, `DE`). */
export const ZAddress = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.addressFieldMax),
  line1: z.string().trim().min(1).max(LIMITS.addressFieldMax),
  line2: z.string().trim().max(LIMITS.addressFieldMax).optional(),
  city: z.string().trim().min(1).max(LIMITS.addressFieldMax),
  postalCode: z.string().trim().min(1).max(32),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, "Must be a two-letter country code")
    .transform((code) => code.toUpperCase()),
});
export type Address = z.infer<typeof ZAddress>;

export const ZPartyRef = ZSellerRef;
export type PartyRef = z.infer<typeof ZPartyRef>;

export const ZDeal = z.object({
  id: z.uuid(),
  itemId: z.uuid(),
  /** A summary of the item for lists ("My purchases"), as it is now. */
  item: z.object({ id: z.uuid(), title: z.string(), imageUrl: z.string().nullable() }),
  process: ZProcessName,
  /** One of the process's states (`reserved`, `paid`, `canceled`, `expired`, …). */
  state: z.string(),
  buyer: ZPartyRef,
  seller: ZPartyRef,
  quantity: z.int().min(1),
  unitPrice: ZMoney,
  shipping: z.object({ optionId: z.string(), name: z.string(), cost: ZMoney }).nullable(),
  total: ZMoney,
  payment: ZPayment.nullable(),
  /** An `offer` deal's offer on the table; `offersLeft` (extension): how many offers the buyer may still make. */
  offer: z
    .object({
      amount: ZMoney,
      by: z.enum(["buyer", "seller"]),
      round: z.int().min(1),
      offersLeft: z.int().min(0).optional(),
    })
    .nullable(),
  /** Only to the buyer, the seller and moderators, once paid. */
  shippingAddress: ZAddress.nullable(),
  /** When the deal's next timer fires (e.g. the checkout hold ends), or null. */
  nextDeadline: z.string().nullable(),
  /** The transitions the caller may take now (by name). */
  transitions: z.array(z.string()),
  /** The highest seq of the deal's private thread. */
  lastSeq: z.int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Deal = z.infer<typeof ZDeal>;

export const ZDealResponse = z.object({ deal: ZDeal });
export type DealResponse = z.infer<typeof ZDealResponse>;

/** One transition of a process, as data. `from` is empty for a transition that starts a deal. */
export const ZProcessTransition = z.object({
  name: z.string(),
  from: z.array(z.string()),
  to: z.string(),
  actor: ZActor,
  /** The JSON Schema of the transition's params, when it takes any. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** For a system transition fired by a timer: how many seconds after entering its from-state. */
  afterSeconds: z.int().optional(),
  /**
   * The condition a timed transition applies under, by name (extension): `shipping` (the deal has a
   * shipping option) or `no-shipping`.
   */
  when: z.string().optional(),
});
export type ProcessTransition = z.infer<typeof ZProcessTransition>;

export const ZProcessDescription = z.object({
  name: ZProcessName,
  /** Every state, in the order a deal usually moves through them. */
  states: z.array(z.string()),
  /** States a deal never leaves. */
  terminal: z.array(z.string()),
  transitions: z.array(ZProcessTransition),
});
export type ProcessDescription = z.infer<typeof ZProcessDescription>;

/** `GET /api/processes`. */
export const ZProcessList = z.object({ processes: z.array(ZProcessDescription) });
export type ProcessList = z.infer<typeof ZProcessList>;

/**
 * `POST /api/items/:id/checkout`: every field optional; no body at all is the v1 checkout. Unknown fields
 * are ignored, as v1 ignored any body (a price sent by the client never counts).
 */
export const ZCheckoutRequest = z.object({
  /**
   * The price the buyer saw (extension, issue 17): if the item's price is different now the checkout is
   * refused with 409 `price_changed` and nothing is reserved.
   */
  expectedPrice: ZMoney.optional(),
  quantity: z.int().min(1).max(1000).optional(),
  shippingOptionId: z.string().min(1).max(64).optional(),
  shippingAddress: ZAddress.optional(),
});
export type CheckoutRequest = z.infer<typeof ZCheckoutRequest>;

/** `POST /api/items/:id/checkout` → 201. */
export const ZCheckoutResponse = z.object({ payment: ZPayment, deal: ZDeal });
export type CheckoutResponse = z.infer<typeof ZCheckoutResponse>;

/** The most offers a buyer makes in one offer deal (the first included). */
export const MAX_BUYER_OFFERS = 3;

/** An offer's or a counter's amount: whole minor units of a known currency. */
export const ZOfferAmount = z.strictObject(
  {
    amount: z
      .int({ error: "Give the amount as a whole number of cents" })
      .min(1, "An offer must be more than nothing")
      .max(LIMITS.priceMax, "That amount is too large"),
    currency: z.enum(CURRENCIES, { error: "Unknown currency" }),
  },
  { error: "Give an amount with its currency" },
);

/** `POST /api/items/:id/offers`: the buyer's first offer, and optionally a note to the seller. */
export const ZOfferRequest = z.strictObject({
  amount: ZOfferAmount,
  quantity: z.int().min(1).max(1000).optional(),
  shippingOptionId: z.string().min(1).max(64).optional(),
  shippingAddress: ZAddress.optional(),
  message: z
    .string()
    .trim()
    .max(LIMITS.messageMax, `Keep the message under ${LIMITS.messageMax} characters`)
    .optional(),
});
export type OfferRequest = z.infer<typeof ZOfferRequest>;

/** `GET /api/items/:id/offers` (the item's seller): its open offer deals, the best offer first. */
export const ZOfferList = z.object({ deals: z.array(ZDeal) });
export type OfferList = z.infer<typeof ZOfferList>;

/** `GET /api/deals` query: the caller's deals as `buyer` or `seller` (both when absent). */
export const ZListDealsQuery = z.object({
  role: z.enum(["buyer", "seller"]).optional(),
  state: z.string().min(1).max(32).optional(),
  limit: ZQueryInt(1, LIMITS.dealsPageMax).default(LIMITS.dealsPageDefault),
  cursor: z.string().max(200).optional(),
});
export type ListDealsQuery = z.infer<typeof ZListDealsQuery>;

export const ZDealPage = z.object({ deals: z.array(ZDeal), nextCursor: z.string().nullable() });
export type DealPage = z.infer<typeof ZDealPage>;

/** `POST /api/deals/:id/transitions/:name` body: the transition's params (validated by its process). */
export const ZTransitionParams = z.record(z.string(), z.unknown());
export type TransitionParams = z.infer<typeof ZTransitionParams>;

/** `GET /api/deals/:id/events` query: as an item's events. */
export const ZDealEventsQuery = ZEventsQuery;

export const ZDealEventsResponse = z.object({ events: z.array(ZDealEvent) });
export type DealEventsResponse = z.infer<typeof ZDealEventsResponse>;

// Fulfilment (after `paid`): the params of the parties' and the moderator's transitions.

/** `ship`: how it travels, both optional (a hand delivery has neither). */
export const ZShipParams = z.strictObject({
  carrier: z.string().trim().max(LIMITS.shipmentFieldMax, "Keep the carrier's name short").optional(),
  trackingNumber: z
    .string()
    .trim()
    .max(LIMITS.shipmentFieldMax, "That tracking number is too long")
    .optional(),
});
export type ShipParams = z.infer<typeof ZShipParams>;

/** `dispute` (the buyer) and `cancel-order` (the seller): why, in the other party's and moderators' sight. */
export const ZReasonParams = z.strictObject({
  reason: z
    .string({ error: "Say why" })
    .trim()
    .min(1, "Say why")
    .max(LIMITS.reasonMax, `Keep the reason under ${LIMITS.reasonMax} characters`),
});
export type ReasonParams = z.infer<typeof ZReasonParams>;

const outcome = (value: "refund" | "release") =>
  z.literal(value, { error: 'Choose the outcome: "refund" or "release"' });

/** `resolve` refunding the buyer: all of the total, or `amount` of it (the deal's currency, at most the total). */
export const ZResolveRefund = z.strictObject({ outcome: outcome("refund"), amount: ZMoney.optional() });
/** `resolve` releasing the money to the seller: the deal completes. */
export const ZResolveRelease = z.strictObject({ outcome: outcome("release") });
export const ZResolveParams = z.discriminatedUnion("outcome", [ZResolveRefund, ZResolveRelease]);
export type ResolveParams = z.infer<typeof ZResolveParams>;
