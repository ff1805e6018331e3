import type { PaymentEventBody } from "../../shared/events.js";
import type { Money } from "../../shared/money.js";
import type { NewEvent } from "../timeline/timeline.js";
import type { PaymentRecord } from "./store.js";

/**
 * The `custom:payment` system event of a payment. A success goes to the item's room and the deal's
 * thread; a failure or a refund to the deal's thread only (v2 amendment 2: a declined card is private).
 * A refund's `amount` is the money that went back (a partial refund's, when smaller than the payment).
 */
export function paymentEvent(
  payment: PaymentRecord,
  status: PaymentEventBody["status"],
  { failureCode, amount }: { failureCode?: string; amount?: Money } = {},
): NewEvent {
  const body: PaymentEventBody = {
    paymentId: payment.id,
    status,
    amount: amount ?? payment.amount,
    buyer: { id: payment.buyerId, username: payment.buyerUsername },
    provider: payment.provider,
    ...(failureCode ? { failureCode } : {}),
  };
  return { type: "custom:payment", author: null, body };
}
