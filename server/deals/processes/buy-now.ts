import { ZCheckoutRequest } from "../../../shared/deals.js";
import { creditSale } from "../actions/ledger.js";
import { closeOtherOffers } from "../actions/offers.js";
import {
  cancelPayment,
  capturePayment,
  itemAvailable,
  notAuctioned,
  notModerator,
  notOwnItem,
  openPayment,
  priceDeal,
  releaseItem,
  reserveItem,
  sellItem,
  termsFit,
} from "../actions.js";
import type { Process } from "../process.js";
import { FULFILMENT_STATES, FULFILMENT_TERMINAL, fulfilment } from "./fulfilment.js";

/**
 * Buy now: a buyer checks out at the item's price (units × price + the shipping option chosen), which
 * holds those units for them while they pay.
 *
 *   checkout ──▶ reserved ──pay──▶ paid
 *                   │ cancel (buyer) ──▶ canceled
 *                   │ void (system: the charge was canceled, or the item removed) ──▶ canceled
 *                   └ expire (system, CHECKOUT_HOLD_SECONDS after checkout) ──▶ expired
 *
 * A declined card changes no state: the buyer may try again while the hold lasts (the decline is a
 * `custom:payment failed` in the deal's thread). After `paid`, fulfilment
 * (processes/fulfilment.ts) takes over.
 */
export const buyNow: Process = {
  name: "buy-now",
  states: ["reserved", "paid", ...FULFILMENT_STATES, "canceled", "expired"],
  terminal: ["canceled", "expired", ...FULFILMENT_TERMINAL],
  transitions: [
    {
      name: "checkout",
      from: [],
      to: "reserved",
      actor: "buyer",
      params: ZCheckoutRequest,
      guards: [notModerator, notOwnItem, notAuctioned, itemAvailable, termsFit],
      actions: [priceDeal, reserveItem, openPayment],
    },
    {
      name: "cancel",
      from: ["reserved"],
      to: "canceled",
      actor: "buyer",
      actions: [cancelPayment, releaseItem],
    },
    {
      name: "expire",
      from: ["reserved"],
      to: "expired",
      actor: "system",
      after: "checkoutHoldSeconds",
      actions: [cancelPayment, releaseItem],
    },
    {
      name: "void",
      from: ["reserved"],
      to: "canceled",
      actor: "system",
      actions: [cancelPayment, releaseItem],
    },
    {
      name: "pay",
      from: ["reserved"],
      to: "paid",
      actor: "system",
      actions: [capturePayment, sellItem, creditSale, closeOtherOffers],
    },
    ...fulfilment,
  ],
};
