import {
  cancelPayment,
  capturePayment,
  itemAvailable,
  notAuctioned,
  notModerator,
  notOwnItem,
  openPayment,
  releaseItem,
  reserveItem,
  sellItem,
} from "../actions.js";
import type { Process } from "../process.js";

/**
 * Buy now: a buyer checks out at the item's price, which holds the item for them while they pay.
 *
 *   checkout ──▶ reserved ──pay──▶ paid
 *                   │ cancel (buyer) ──▶ canceled
 *                   │ void (system: the charge was canceled, or the item removed) ──▶ canceled
 *                   └ expire (system, CHECKOUT_HOLD_SECONDS after checkout) ──▶ expired
 *
 * A declined card changes no state: the buyer may try again while the hold lasts (the decline is a
 * `custom:payment failed` in the deal's thread). After `paid`, fulfilment (issue 16) takes over.
 */
export const buyNow: Process = {
  name: "buy-now",
  states: ["reserved", "paid", "canceled", "expired"],
  terminal: ["canceled", "expired"],
  transitions: [
    {
      name: "checkout",
      from: [],
      to: "reserved",
      actor: "buyer",
      guards: [notModerator, notOwnItem, notAuctioned, itemAvailable],
      actions: [reserveItem, openPayment],
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
      actions: [capturePayment, sellItem],
    },
  ],
};
