import { randomUUID } from "node:crypto";
import { type CheckoutRequest, ZCheckoutRequest } from "../../shared/deals.js";
import { AppError } from "../../shared/errors.js";
import type { Item } from "../../shared/items.js";
import { assertOpen, itemEntry, requireItem } from "../items/service.js";
import { holdUnits, releaseUnits, setItemStatus } from "../items/store.js";
import { paymentEvent } from "../payments/events.js";
import {
  getPayment,
  insertPayment,
  isOpen,
  type PaymentRecord,
  setPaymentStatus,
} from "../payments/store.js";
import type { Action, Durations, Guard, TransitionContext } from "./process.js";
import { getDeal, listHolds, setDealPayment, setDealTerms } from "./store.js";

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

const termsOf = (params: Record<string, unknown>): CheckoutRequest => ZCheckoutRequest.parse(params);

/**
 * The buyer's terms fit the item: enough units free (`not_available`), a shipping option the item
 * offers, with an address (a shipping address without an option is refused too).
 */
export const termsFit: Guard = ({ item, params }) => {
  const terms = termsOf(params);
  if ((terms.quantity ?? 1) > item.quantityAvailable) {
    throw new AppError("not_available", `Only ${item.quantityAvailable} of this item left`);
  }
  shippingFits(item, terms);
};

/**
 * An offer's terms fit the item: no more units than it has at all (units held by others may free up
 * before the accept, which checks they are free), and shipping as at checkout.
 */
export const offerTermsFit: Guard = ({ item, params }) => {
  const terms = termsOf(params);
  if ((terms.quantity ?? 1) > item.quantity) {
    throw new AppError("not_available", `Only ${item.quantity} of this item are for sale`);
  }
  shippingFits(item, terms);
};

function shippingFits(item: Item, terms: CheckoutRequest): void {
  if (terms.shippingOptionId === undefined) {
    if (terms.shippingAddress) {
      throw new AppError("bad_request", "Choose a shipping option for this address", [
        { path: "shippingOptionId", message: "Required with a shipping address" },
      ]);
    }
    return;
  }
  const option = item.shippingOptions.find((o) => o.id === terms.shippingOptionId);
  if (!option || option.cost.currency !== item.price.currency) {
    throw new AppError("bad_request", "This item has no such shipping option", [
      { path: "shippingOptionId", message: "No such shipping option" },
    ]);
  }
  if (!terms.shippingAddress) {
    throw new AppError("bad_request", "Where should it be shipped?", [
      { path: "shippingAddress", message: "Required with a shipping option" },
    ]);
  }
}

// Actions

/** Sets the deal's units, shipping and total from the params (checked by `termsFit`). */
export const priceDeal: Action = async (ctx) => {
  const terms = termsOf(ctx.params);
  const option = ctx.item.shippingOptions.find((o) => o.id === terms.shippingOptionId);
  await setDealTerms(ctx.write.tx, ctx.deal.id, {
    quantity: terms.quantity ?? 1,
    shipping: option ? { optionId: option.id, name: option.name, cost: option.cost } : null,
    shippingAddress: option ? (terms.shippingAddress ?? null) : null,
  });
  const priced = await getDeal(ctx.write.tx, ctx.deal.id);
  if (!priced) throw new Error(`deal ${ctx.deal.id} vanished`);
  ctx.deal = priced;
};

/** Holds the deal's units; the item is `reserved` once every unit is held. */
export const reserveItem: Action = async ({ write, item, deal }) => {
  await holdUnits(write.tx, item.id, deal.quantity);
  write.changed();
};

/** Ends this deal's hold: its units are for sale again (the deal is leaving `reserved`, so it held them). */
export const releaseItem: Action = async ({ write, item, deal }) => {
  await releaseUnits(write.tx, item.id, deal.quantity);
  write.changed();
};

/** The deal's units are sold; the item is `sold` once every unit is (none free, none held). */
export const sellItem: Action = async ({ write, item }) => {
  const now = await requireItem(write.tx, item.id);
  if (now.quantityAvailable === 0 && (await listHolds(write.tx, item.id)).length === 0) {
    await setItemStatus(write.tx, item.id, "sold");
    await write.announce(itemEntry("item.sold", await requireItem(write.tx, item.id)));
  }
  write.changed();
};

/**
 * Opens the deal's payment for its total, held for the duration named (the processor's charge is opened
 * after commit, so a Stripe buyer has its client secret).
 */
export function openPaymentHeld(hold: keyof Durations): Action {
  return async ({ write, deal, durations, provider, after }) => {
    const id = randomUUID();
    await insertPayment(write.tx, {
      id,
      dealId: deal.id,
      itemId: deal.itemId,
      buyerId: deal.buyer.id,
      provider,
      price: deal.total,
      holdSeconds: durations[hold],
    });
    await setDealPayment(write.tx, deal.id, id);
    after("payment.open_charge", id);
  };
}

/** A checkout's or an accepted offer's payment, open for CHECKOUT_HOLD_SECONDS. */
export const openPayment = openPaymentHeld("checkoutHoldSeconds");

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
