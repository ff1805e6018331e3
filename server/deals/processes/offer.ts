import { creditSale } from "../actions/ledger.js";
import {
  agreePrice,
  buyerCounterInBounds,
  capturePrivately,
  closeOtherOffers,
  noOpenOffer,
  offerInBounds,
  offersChanged,
  recordAmount,
  sellerCounterInBounds,
  takesOffers,
  unitFree,
  ZAmountParams,
  ZCloseParams,
  ZOfferParams,
} from "../actions/offers.js";
import {
  cancelPayment,
  notAuctioned,
  notModerator,
  notOwnItem,
  offerTermsFit,
  openPayment,
  priceDeal,
  releaseItem,
  reserveItem,
  sellItem,
} from "../actions.js";
import type { Process } from "../process.js";
import { FULFILMENT_STATES, FULFILMENT_TERMINAL, fulfilment } from "./fulfilment.js";

/**
 * Offer: a buyer names a price below the item's, per unit, with their terms as at checkout (units, a
 * shipping option and its address); buyer and seller counter in turns, privately, until one accepts;
 * the accepted price × units + shipping is then paid like a checkout.
 *
 *   offer ──▶ offered ◀──counter (buyer)── countered
 *               │ └──────counter (seller)──▶ │
 *               │ accept (seller)            │ accept (buyer) ──▶ accepted ──pay──▶ paid
 *               │ decline (seller)           │ decline (buyer) ──▶ declined
 *               │ withdraw (buyer) ──▶ withdrawn
 *               │ expire (system, OFFER_TTL_SECONDS after the last offer or counter) ──▶ expired
 *               └ close (system: the item sold or was removed) ──▶ declined
 *   accepted: expire (system, CHECKOUT_HOLD_SECONDS) ──▶ expired, the unit released;
 *             void (system: the charge was canceled) ──▶ canceled
 *
 * At most 3 offers by the buyer per deal; a counter lies strictly between the standing numbers. Accept
 * holds one unit (first accept wins) and opens the payment at the agreed price. After `paid`,
 * fulfilment (processes/fulfilment.ts) takes over.
 */
export const offer: Process = {
  name: "offer",
  states: [
    "offered",
    "countered",
    "accepted",
    "paid",
    ...FULFILMENT_STATES,
    "declined",
    "withdrawn",
    "expired",
    "canceled",
  ],
  terminal: ["declined", "withdrawn", "expired", "canceled", ...FULFILMENT_TERMINAL],
  transitions: [
    {
      name: "offer",
      from: [],
      to: "offered",
      actor: "buyer",
      params: ZOfferParams,
      guards: [
        notModerator,
        notOwnItem,
        notAuctioned,
        takesOffers,
        offerInBounds,
        noOpenOffer,
        offerTermsFit,
      ],
      actions: [priceDeal, recordAmount, offersChanged],
    },
    {
      name: "counter",
      from: ["offered"],
      to: "countered",
      actor: "seller",
      params: ZAmountParams,
      guards: [sellerCounterInBounds],
      actions: [recordAmount],
    },
    {
      name: "counter",
      from: ["countered"],
      to: "offered",
      actor: "buyer",
      params: ZAmountParams,
      guards: [buyerCounterInBounds],
      actions: [recordAmount],
    },
    {
      name: "accept",
      from: ["offered"],
      to: "accepted",
      actor: "seller",
      guards: [unitFree],
      actions: [agreePrice, reserveItem, openPayment, offersChanged],
    },
    {
      name: "accept",
      from: ["countered"],
      to: "accepted",
      actor: "buyer",
      guards: [unitFree],
      actions: [agreePrice, reserveItem, openPayment, offersChanged],
    },
    { name: "decline", from: ["offered"], to: "declined", actor: "seller", actions: [offersChanged] },
    { name: "decline", from: ["countered"], to: "declined", actor: "buyer", actions: [offersChanged] },
    { name: "withdraw", from: ["offered"], to: "withdrawn", actor: "buyer", actions: [offersChanged] },
    {
      name: "expire",
      from: ["offered", "countered"],
      to: "expired",
      actor: "system",
      after: "offerTtlSeconds",
      actions: [offersChanged],
    },
    {
      name: "expire",
      from: ["accepted"],
      to: "expired",
      actor: "system",
      after: "checkoutHoldSeconds",
      actions: [cancelPayment, releaseItem],
    },
    {
      name: "void",
      from: ["accepted"],
      to: "canceled",
      actor: "system",
      actions: [cancelPayment, releaseItem],
    },
    {
      name: "close",
      from: ["offered", "countered"],
      to: "declined",
      actor: "system",
      params: ZCloseParams,
      actions: [offersChanged],
    },
    {
      name: "pay",
      from: ["accepted"],
      to: "paid",
      actor: "system",
      actions: [capturePrivately, sellItem, creditSale, closeOtherOffers],
    },
    ...fulfilment,
  ],
};
