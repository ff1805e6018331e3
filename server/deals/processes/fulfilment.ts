import { ZReasonParams, ZResolveRefund, ZResolveRelease, ZShipParams } from "../../../shared/deals.js";
import { refundPayment, refundWithinTotal, withoutShipping, withShipping } from "../actions/fulfilment.js";
import { releaseSale, reverseRefundedSale } from "../actions/ledger.js";
import { openReviewWindow, openReviewWindowIfKept } from "../actions/reviews.js";
import type { Action, Transition } from "../process.js";

/**
 * Fulfilment: what happens after `paid`, the same in every process (buy-now, offer, auction spread it in).
 *
 *   paid ──ship (seller)──▶ shipped ──confirm-received (buyer)──▶ completed
 *    │                        │ auto-complete (system, AUTO_COMPLETE_SECONDS after shipping) ──▶ completed
 *    │                        └ dispute (buyer) ──▶ disputed
 *    │ confirm-received (buyer) ──▶ completed
 *    │ dispute (buyer) ──▶ disputed ──resolve refund (moderator: all, or part)──▶ refunded
 *    │                              └─resolve release (moderator)──────────────▶ completed
 *    │ cancel-order (seller) ──▶ refunded (in full)
 *    │ auto-cancel (system, with a shipping option: not shipped SHIP_BY_SECONDS after paid) ──▶ refunded
 *    └ auto-complete (system, no shipping option: AUTO_COMPLETE_SECONDS after paid) ──▶ completed
 *   paid, shipped, disputed ──processor-refund (system: refunded at the processor, all or part)──▶ refunded
 *
 * A refund leaves the item's units sold: the seller relists (or raises the quantity) if the goods come
 * back. Every way into `completed` runs `completes`, every way into `refunded` runs `refunds`: a step
 * added there (the seller's balance ledger) runs on all of them.
 */

/** Run by every transition into `completed`, after its own steps: the sale is available, reviews open. */
const completes: Action[] = [releaseSale, openReviewWindow];

/**
 * Run by every transition into `refunded`: the money goes back, the seller's ledger follows it, and a
 * partial refund (the buyer kept the goods) opens reviews.
 */
const refunds: Action[] = [refundPayment, reverseRefundedSale, openReviewWindowIfKept];

/** In the order an order usually goes (`GET /api/processes` lists states so); they follow `paid`. */
export const FULFILMENT_STATES = ["shipped", "completed", "disputed", "refunded"];
export const FULFILMENT_TERMINAL = ["completed", "refunded"];

export const fulfilment: Transition[] = [
  { name: "ship", from: ["paid"], to: "shipped", actor: "seller", params: ZShipParams, actions: [] },
  {
    name: "confirm-received",
    from: ["paid", "shipped"],
    to: "completed",
    actor: "buyer",
    actions: [...completes],
  },
  {
    name: "dispute",
    from: ["paid", "shipped"],
    to: "disputed",
    actor: "buyer",
    params: ZReasonParams,
    actions: [],
  },
  {
    name: "cancel-order",
    from: ["paid"],
    to: "refunded",
    actor: "seller",
    params: ZReasonParams,
    actions: [...refunds],
  },
  {
    name: "resolve",
    from: ["disputed"],
    to: "refunded",
    actor: "moderator",
    params: ZResolveRefund,
    guards: [refundWithinTotal],
    actions: [...refunds],
  },
  {
    name: "resolve",
    from: ["disputed"],
    to: "completed",
    actor: "moderator",
    params: ZResolveRelease,
    actions: [...completes],
  },
  {
    name: "auto-complete",
    from: ["shipped"],
    to: "completed",
    actor: "system",
    after: "autoCompleteSeconds",
    actions: [...completes],
  },
  {
    name: "auto-complete",
    from: ["paid"],
    to: "completed",
    actor: "system",
    after: "autoCompleteSeconds",
    when: withoutShipping,
    actions: [...completes],
  },
  {
    name: "auto-cancel",
    from: ["paid"],
    to: "refunded",
    actor: "system",
    after: "shipBySeconds",
    when: withShipping,
    actions: [...refunds],
  },
  {
    // The operator refunded the payment at the processor (Stripe's dashboard): the order ends with it.
    name: "processor-refund",
    from: ["paid", "shipped", "disputed"],
    to: "refunded",
    actor: "system",
    actions: [...refunds],
  },
];
