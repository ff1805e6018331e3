import { bodyOf, type ItemEvent, isHidden } from "../../../shared/events.js";
import { formatMoney } from "../../../shared/money.js";

/** One line for any event, for the console's stream and a report's context. Always plain text. */
export function eventSummary(event: ItemEvent): { text: string; system: boolean } {
  const text = bodyOf(event, "text");
  if (text) return { text: isHidden(event) ? "(hidden)" : text.text, system: false };
  const details = bodyOf(event, "custom:item_details");
  if (details && !isHidden(event)) {
    return {
      text:
        event.seq === 1
          ? `Listed “${details.title}” for ${formatMoney(details.price)}`
          : `Updated the details: “${details.title}”, ${formatMoney(details.price)}`,
      system: true,
    };
  }
  const payment = bodyOf(event, "custom:payment");
  if (payment) {
    const amount = payment.amount ? formatMoney(payment.amount) : "";
    return {
      text:
        payment.status === "succeeded"
          ? `Sold to ${payment.buyer.username}${amount ? ` for ${amount}` : ""}`
          : payment.status === "refunded"
            ? `${amount || "The payment"} refunded to ${payment.buyer.username}`
            : `Payment by ${payment.buyer.username} failed (${payment.failureCode ?? "declined"})`,
      system: true,
    };
  }
  const moderation = bodyOf(event, "custom:moderation");
  if (moderation) {
    const what =
      moderation.action === "hide"
        ? `Hid message #${moderation.targetSeq}`
        : moderation.action === "restore"
          ? `Restored message #${moderation.targetSeq}`
          : "Removed the item";
    return { text: `${what}: ${moderation.reason}`, system: true };
  }
  return { text: event.type, system: true };
}

export const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" });

export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
