import type { Deal } from "../../../shared/deals.js";
import type { DealEventBody } from "../../../shared/events.js";
import { formatMoney, type Money } from "../../../shared/money.js";
import { ApiRequestError } from "../api/http.js";
import { dayTime } from "./time.js";

/** States in which the buyer has paid: the item is theirs (a dispute included, until it is settled). */
export const PAID_STATES: ReadonlySet<string> = new Set(["paid", "shipped", "completed", "disputed"]);

/** Each state a deal can be in, as a person says it. A state missing here shows as its name. */
export const STATE_LABELS: Record<string, string> = {
  reserved: "Reserved",
  offered: "Offer made",
  countered: "Countered",
  accepted: "Accepted",
  won: "Won",
  paid: "Paid",
  shipped: "Shipped",
  completed: "Completed",
  canceled: "Canceled",
  expired: "Reservation ended",
  declined: "Declined",
  withdrawn: "Withdrawn",
  disputed: "Disputed",
  refunded: "Refunded",
};

export const stateLabel = (state: string) => STATE_LABELS[state] ?? state;

/** What a transition's button says. */
export const TRANSITION_LABELS: Record<string, string> = {
  cancel: "Cancel and release the item",
  ship: "Mark as shipped",
  "confirm-received": "I received it",
  dispute: "Report a problem",
  "cancel-order": "Cancel the order and refund",
  accept: "Accept",
  decline: "Decline",
  withdraw: "Withdraw the offer",
  counter: "Counter",
  resolve: "Settle the dispute",
};

export const transitionLabel = (name: string) => TRANSITION_LABELS[name] ?? name.replace(/-/g, " ");

/** One line for a `custom:deal` event; `who` names the actor ("You", "Sam", "The buyer"). */
export function dealLine(body: DealEventBody, who: string): string {
  const params = body.params ?? {};
  const text = (key: string) => {
    const value = params[key];
    return typeof value === "string" ? value : "";
  };
  const offered = offerLine(body, who);
  if (offered) return offered;
  switch (body.to) {
    case "reserved":
      return `${who} reserved the item`;
    case "paid":
      return "Paid: the item is sold";
    case "canceled":
      return `${who} canceled the reservation`;
    case "expired":
      return "The reservation ended: it was not paid in time";
    case "shipped": {
      const tracking = [text("carrier"), text("trackingNumber")].filter(Boolean).join(" ");
      return `${who} shipped the item${tracking ? ` (${tracking})` : ""}`;
    }
    case "completed":
      if (body.transition === "resolve")
        return "A moderator settled the dispute: the payment goes to the seller";
      return body.by === "system" ? "Completed automatically" : `${who} confirmed it arrived: done`;
    case "disputed":
      return `${who} reported a problem${text("reason") ? `: ${text("reason")}` : ""}`;
    case "refunded":
      if (body.transition === "resolve") return "A moderator settled the dispute with a refund to the buyer";
      if (body.transition === "auto-cancel")
        return "Not shipped in time: the order was canceled and refunded";
      if (body.transition === "processor-refund")
        return "The marketplace refunded the payment: the order is closed";
      if (body.transition === "cancel-order") {
        return `${who} canceled the order${text("reason") ? `: ${text("reason")}` : ""}`;
      }
      return `Refunded${text("reason") ? `: ${text("reason")}` : ""}`;
    default:
      return `${who}: ${body.transition.replace(/-/g, " ")} (${stateLabel(body.to)})`;
  }
}

/** The offer process's steps, with the amount where the step names one (threads are private). */
function offerLine(body: DealEventBody, who: string): string | null {
  const amount = body.params?.amount as Money | undefined;
  const money = amount && typeof amount.amount === "number" ? formatMoney(amount) : "";
  switch (body.transition) {
    case "offer":
      return `${who} offered ${money}`;
    case "counter":
      return `${who} countered with ${money}`;
    case "accept":
      return `${who} accepted: waiting for payment`;
    case "decline":
      return `${who} declined the offer`;
    case "withdraw":
      return `${who} withdrew the offer`;
    case "close":
      return `The offer was declined: ${String(body.params?.reason ?? "the item is no longer for sale")}`;
    case "expire":
      // Buy-now's `expire` (from `reserved`) reads as a reservation's, below.
      if (body.from === "accepted") return "The offer ended: it was not paid in time";
      if (body.from === "offered" || body.from === "countered") {
        return "The offer expired: it was not answered in time";
      }
      return null;
    default:
      return null;
  }
}

/** Why a card payment failed, by the processor's code. */
export const CARD_FAILURES: Record<string, string> = {
  card_declined: "Your card was declined. Try another card.",
  insufficient_funds: "Your card has insufficient funds. Try another card.",
  expired_card: "Your card has expired. Try another card.",
};

/** Refusals of a checkout or a payment, by error code, in the buyer's words. */
export const CHECKOUT_ERRORS: Record<string, string> = {
  item_reserved:
    "Someone else is paying for this right now. If they don't finish, it becomes available again.",
  item_sold: "Sorry, this item has just been sold.",
  item_removed: "This item was removed.",
  payment_not_open: "This reservation has ended.",
  invalid_transition: "This deal has moved on meanwhile; the page now shows where it is.",
  price_changed: "The seller has just changed the price. Check it, then press Buy now again.",
  seller_suspended: "This seller's account is suspended; the item cannot be bought for now.",
  forbidden: "You can't buy this item: it is yours, or your account is a moderator's.",
};

/** A failed checkout or payment call, said for the buyer. */
export const checkoutError = (error: unknown) =>
  error instanceof ApiRequestError
    ? (CHECKOUT_ERRORS[error.code] ?? error.message)
    : "Something went wrong. Try again.";

/**
 * What the deal's next timer means for this side, in words with its time ("Ship by Tue 14:00"); null
 * when no fulfilment timer runs. The timers are the server's (`nextDeadline`); this only says them.
 */
export function fulfilmentDeadline(deal: Deal, side: "buyer" | "seller" | null): string | null {
  const at = deal.nextDeadline;
  if (!at) return null;
  const when = dayTime(at);
  if (deal.state === "paid" && deal.shipping) {
    return side === "seller"
      ? `Ship by ${when}, or the order is canceled and refunded`
      : `${deal.seller.displayName} ships by ${when}; if not, you are refunded in full`;
  }
  if (deal.state === "paid") {
    return side === "buyer"
      ? `Completes by itself ${when} unless you report a problem`
      : `Completes by itself ${when} unless the buyer reports a problem`;
  }
  if (deal.state === "shipped") {
    return side === "buyer"
      ? `Press "I received it" when it arrives; it completes by itself ${when}`
      : `Completes by itself ${when} unless the buyer reports a problem`;
  }
  return null;
}

/** Refusals of a fulfilment step (ship, confirm, dispute, cancel, resolve), by error code, in words. */
export const TRANSITION_ERRORS: Record<string, string> = {
  invalid_transition: "This order has moved on meanwhile; the page now shows where it is.",
  forbidden: "This step is not yours to take.",
  not_found: "This deal is private, or it no longer exists.",
  unauthorized: "Your session has ended. Sign in again.",
  rate_limited: "Too many tries at once. Wait a moment, then try again.",
  unavailable: "Parley cannot reach its database right now. Try again in a moment.",
  internal: "Something went wrong on our side. Try again.",
};

/** A refused step said for people: a field's problem (bad_request) as the server words it, else by code. */
export const transitionError = (error: unknown) =>
  error instanceof ApiRequestError
    ? error.code === "bad_request"
      ? error.message
      : (TRANSITION_ERRORS[error.code] ?? error.message)
    : "Something went wrong. Try again.";
