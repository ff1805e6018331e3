import type { Deal } from "../../shared/deals.js";
import type { DealEvent, ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Payment } from "../../shared/payments.js";
import type { Session } from "../factories.js";
import { call } from "./http.js";

export const CARDS = {
  succeeds: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
  unknown: "4111111111111111",
} as const;

export const card = (number: string) => ({ number, expMonth: 12, expYear: 2034, cvc: "123" });

export const checkout = (url: string, buyer: Session, itemId: string) =>
  call<{ payment: Payment; deal: Deal }>(url, "POST", `/api/items/${itemId}/checkout`, {
    token: buyer.token,
  });

export const confirm = (url: string, buyer: Session, paymentId: string, number: string = CARDS.succeeds) =>
  call<{ payment: Payment }>(url, "POST", `/api/payments/${paymentId}/confirm`, {
    token: buyer.token,
    body: { card: card(number) },
  });

export const cancel = (url: string, buyer: Session, paymentId: string) =>
  call<{ payment: Payment }>(url, "POST", `/api/payments/${paymentId}/cancel`, { token: buyer.token });

export async function paymentOf(url: string, buyer: Session, paymentId: string): Promise<Payment> {
  const { status, body } = await call<{ payment: Payment }>(url, "GET", `/api/payments/${paymentId}`, {
    token: buyer.token,
  });
  if (status !== 200) throw new Error(`payment read failed: ${status} ${JSON.stringify(body)}`);
  return body.payment;
}

export async function itemOf(url: string, itemId: string): Promise<Item> {
  const { body } = await call<{ item: Item }>(url, "GET", `/api/items/${itemId}`);
  return body.item;
}

export type PaymentEvent = Extract<ItemEvent | DealEvent, { type: "custom:payment" }>;

/**
 * The `custom:payment` events about the item that `session` can read, oldest first: the item's public
 * history (the sale) and the private threads of the session's own deals on it (declines and refunds,
 * v2 amendment 2). A success, written to both, appears once.
 */
export async function paymentEvents(url: string, session: Session, itemId: string): Promise<PaymentEvent[]> {
  const isPayment = (event: ItemEvent | DealEvent): event is PaymentEvent => event.type === "custom:payment";
  const room = await call<{ events: ItemEvent[] }>(url, "GET", `/api/items/${itemId}/events`, {
    token: session.token,
  });
  const deals = await call<{ deals: Deal[] }>(url, "GET", "/api/deals?limit=100", { token: session.token });
  const threads = await Promise.all(
    deals.body.deals
      .filter((deal) => deal.itemId === itemId)
      .map(async (deal) => {
        const { body } = await call<{ events: DealEvent[] }>(url, "GET", `/api/deals/${deal.id}/events`, {
          token: session.token,
        });
        return body.events;
      }),
  );
  const seen = new Set<string>();
  return [...room.body.events, ...threads.flat()]
    .filter(isPayment)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq)
    .filter((event) => {
      if (event.body.status !== "succeeded") return true;
      if (seen.has(event.body.paymentId)) return false;
      seen.add(event.body.paymentId);
      return true;
    });
}
