import { randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import { assertOpen } from "../items/service.js";
import { setItemStatus } from "../items/store.js";
import { paymentEvent } from "../payments/events.js";
import {
  getPayment,
  insertPayment,
  isOpen,
  type PaymentRecord,
  setPaymentStatus,
} from "../payments/store.js";
import type { Action, Guard, TransitionContext } from "./process.js";
import { setDealPayment } from "./store.js";

/*
 * The steps processes are made of. Guards refuse (throw) and change nothing; actions each do one thing
 * inside the transition's transaction. Both see the item and the deal locked.
 */

// Guards

/** Moderators neither buy nor sell (v2 amendment 1). */
export const notModerator: Guard = ({ caller }) => {
  if (caller.user?.role === "moderator") throw new AppError("forbidden", "Moderators cannot buy items");
};

/** Nobody buys their own item. */
export const notOwnItem: Guard = ({ caller, item }) => {
  if (caller.user?.id === item.seller.id) throw new AppError("forbidden", "You cannot buy your own item");
};

/** The item is for sale now: not removed, sold or held by another deal. */
export const itemAvailable: Guard = ({ item }) => assertOpen(item);

/** An item sold by auction is bought by bidding, never at a price (nor by an offer). */
export const notAuctioned: Guard = ({ item }) => {
  if (item.auction) throw new AppError("conflict", "This item is sold by auction: place a bid");
};

// Actions

/** Holds the item for this deal. */
export const reserveItem: Action = async ({ write, item }) => {
  await setItemStatus(write.tx, item.id, "reserved");
  write.changed();
};

/** Ends this deal's hold on the item (an open payment and a reserved item mean this deal holds it). */
export const releaseItem: Action = async ({ write, item }) => {
  if (item.status !== "reserved") return;
  await setItemStatus(write.tx, item.id, "available");
  write.changed();
};

export const sellItem: Action = async ({ write, item }) => {
  await setItemStatus(write.tx, item.id, "sold");
  write.changed();
};

/** Opens the deal's payment for its total (the processor's charge is opened after commit). */
export const openPayment: Action = async ({ write, deal, durations, provider }) => {
  const id = randomUUID();
  await insertPayment(write.tx, {
    id,
    dealId: deal.id,
    itemId: deal.itemId,
    buyerId: deal.buyer.id,
    provider,
    price: deal.total,
    holdSeconds: durations.checkoutHoldSeconds,
  });
  await setDealPayment(write.tx, deal.id, id);
};

/** Cancels the deal's open payment, and its charge at the processor after commit. */
export const cancelPayment: Action = async (ctx) => {
  const payment = await lockedPayment(ctx);
  if (!payment || !isOpen(payment.status)) return;
  await setPaymentStatus(ctx.write.tx, payment.id, "canceled", payment.failureCode);
  ctx.after("payment.cancel_charge", payment.id);
};

/** The processor took the money: the payment succeeded, announced to the room (the sale) and the thread. */
export const capturePayment: Action = async (ctx) => {
  const payment = await lockedPayment(ctx);
  if (!payment) throw new Error(`deal ${ctx.deal.id} has no payment to capture`);
  await setPaymentStatus(ctx.write.tx, payment.id, "succeeded", null);
  const event = paymentEvent(payment, "succeeded");
  await ctx.write.append(event);
  await ctx.write.appendToThread(ctx.deal.id, event);
};

async function lockedPayment({ write, deal }: TransitionContext): Promise<PaymentRecord | null> {
  return deal.paymentId ? getPayment(write.tx, deal.paymentId, { forUpdate: true }) : null;
}
