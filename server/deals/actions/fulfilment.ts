import { AppError } from "../../../shared/errors.js";
import { formatMoney, type Money } from "../../../shared/money.js";
import { paymentEvent } from "../../payments/events.js";
import { getPayment, markRefunded } from "../../payments/store.js";
import type { Action, Condition, Guard } from "../process.js";

/*
 * The steps of fulfilment (processes/fulfilment.ts): after `paid`, the order is shipped, received,
 * disputed, canceled or resolved. Money moves only by refunds here; the item's units stay sold.
 */

/** The buyer chose a shipping option: there is something to ship. */
export const withShipping: Condition = { name: "shipping", holds: (deal) => deal.shipping !== null };

/** Pickup or arranged in the thread: nothing is shipped through Parley. */
export const withoutShipping: Condition = { name: "no-shipping", holds: (deal) => deal.shipping === null };

/** The refund a moderator's `resolve` asks for: `undefined` is all of it. */
const refundAmountOf = (params: Record<string, unknown>): Money | undefined =>
  (params as { amount?: Money }).amount;

/** A partial refund is in the deal's currency and at most its total. */
export const refundWithinTotal: Guard = ({ deal, params }) => {
  const amount = refundAmountOf(params);
  if (!amount) return;
  if (amount.currency !== deal.total.currency) {
    throw new AppError("bad_request", `Refund in ${deal.total.currency.toUpperCase()}, the deal's currency`, [
      { path: "amount.currency", message: "Use the deal's currency" },
    ]);
  }
  if (amount.amount > deal.total.amount) {
    throw new AppError("bad_request", `Refund at most the total, ${formatMoney(deal.total, "en-US")}`, [
      { path: "amount.amount", message: "More than the total" },
    ]);
  }
};

/**
 * The buyer gets their money back: the payment becomes `refunded` with the amount (the total, or a
 * moderator's partial amount), a `custom:payment refunded` goes to the deal's thread only, and the
 * processor's refund is made after commit (retried by the worker until it is). A payment already
 * refunded at the processor (Stripe's dashboard) needs nothing more.
 */
export const refundPayment: Action = async ({ write, deal, params, after }) => {
  const payment = deal.paymentId ? await getPayment(write.tx, deal.paymentId, { forUpdate: true }) : null;
  if (payment?.status === "refunded") return;
  if (payment?.status !== "succeeded") throw new Error(`deal ${deal.id} has no succeeded payment to refund`);
  const amount = refundAmountOf(params) ?? payment.amount;
  await markRefunded(write.tx, payment.id, amount.amount);
  await write.appendToThread(deal.id, paymentEvent(payment, "refunded", { amount }));
  after("payment.refund", payment.id);
};
