import type { ItemEvent } from "../../shared/events.js";
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
  call<{ payment: Payment }>(url, "POST", `/api/items/${itemId}/checkout`, { token: buyer.token });

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

export type PaymentEvent = Extract<ItemEvent, { type: "custom:payment" }>;

/** The item's `custom:payment` events, from its history. */
export async function paymentEvents(url: string, session: Session, itemId: string): Promise<PaymentEvent[]> {
  const { body } = await call<{ events: ItemEvent[] }>(url, "GET", `/api/items/${itemId}/events`, {
    token: session.token,
  });
  return body.events.filter((event): event is PaymentEvent => event.type === "custom:payment");
}
