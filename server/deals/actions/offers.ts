import { z } from "zod";
import { MAX_BUYER_OFFERS, ZOfferAmount, ZOfferRequest } from "../../../shared/deals.js";
import { AppError } from "../../../shared/errors.js";
import { formatMoney, type Money } from "../../../shared/money.js";
import { assertOpen, requireItem } from "../../items/service.js";
import { paymentEvent } from "../../payments/events.js";
import { getPayment, setPaymentStatus } from "../../payments/store.js";
import type { Action, Guard, TransitionContext } from "../process.js";
import { getDeal, listOpenOffers, recordOffer, setDealPrice } from "../store.js";

/*
 * The steps of the offer process (processes/offer.ts). Amounts are the item's currency in minor units;
 * they live in the deal (and its private thread), never in the item's room.
 */

export const ZAmountParams = z.strictObject({ amount: ZOfferAmount });
/** A first offer: the amount per unit, and the buyer's terms as at checkout (units, shipping, address). */
export const ZOfferParams = ZAmountParams.extend(
  ZOfferRequest.pick({ quantity: true, shippingOptionId: true, shippingAddress: true }).shape,
);
export const ZCloseParams = z.strictObject({ reason: z.string().min(1).max(200) });

const amountOf = ({ params }: TransitionContext) => (params as z.infer<typeof ZAmountParams>).amount;
const money = (amount: number, currency: Money["currency"]) => formatMoney({ amount, currency }, "en-US");

function sameCurrency(ctx: TransitionContext): Money {
  const amount = amountOf(ctx);
  if (amount.currency !== ctx.item.price.currency) {
    throw new AppError(
      "bad_request",
      `Offer in ${ctx.item.price.currency.toUpperCase()}, the item's currency`,
      [{ path: "amount.currency", message: "Use the item's currency" }],
    );
  }
  return amount;
}

// Guards

/** The seller takes offers on this item, and it is still for sale (held items take offers too). */
export const takesOffers: Guard = ({ item }) => {
  assertOpen(item, { reserved: true });
  if (!item.offers.enabled) throw new AppError("conflict", "The seller does not take offers on this item");
};

/** One open offer deal per buyer and item: a buyer changes their number by countering in that deal. */
export const noOpenOffer: Guard = async ({ write, item, deal, caller }) => {
  if (!caller.user) return;
  const open = await listOpenOffers(write.tx, item.id, caller.user.id);
  if (open.some((id) => id !== deal.id)) {
    throw new AppError("conflict", "You already have an open offer on this item; continue in that deal");
  }
};

/** A first offer: the item's currency, above nothing, at most the price, at least the seller's minimum. */
export const offerInBounds: Guard = (ctx) => {
  const { amount, currency } = sameCurrency(ctx);
  const { price, offers } = ctx.item;
  if (amount > price.amount) {
    throw new AppError("bad_request", `Offer at most the price, ${money(price.amount, currency)}`, [
      { path: "amount.amount", message: "More than the price" },
    ]);
  }
  if (offers.minAmount && amount < offers.minAmount.amount) {
    throw new AppError(
      "offer_too_low",
      `The seller takes offers from ${money(offers.minAmount.amount, currency)}`,
    );
  }
};

/** The seller's counter lies strictly between the buyer's last offer and the price. */
export const sellerCounterInBounds: Guard = (ctx) => {
  const { amount, currency } = sameCurrency(ctx);
  const low = ctx.deal.offer?.buyerAmount ?? 0;
  const high = ctx.item.price.amount;
  if (amount <= low || amount >= high) {
    throw new AppError(
      "bad_request",
      `Counter with more than ${money(low, currency)} and less than ${money(high, currency)}`,
      [{ path: "amount.amount", message: "Not between the offer and the price" }],
    );
  }
};

/** The buyer has an offer left, and counters strictly between their last offer and the seller's counter. */
export const buyerCounterInBounds: Guard = (ctx) => {
  const { amount, currency } = sameCurrency(ctx);
  if ((ctx.deal.offer?.buyerOffers ?? 0) >= MAX_BUYER_OFFERS) {
    throw new AppError(
      "offer_limit",
      `You have made your ${MAX_BUYER_OFFERS} offers; accept or decline the seller's counter`,
    );
  }
  const low = ctx.deal.offer?.buyerAmount ?? 0;
  const high = ctx.deal.offer?.sellerAmount ?? ctx.item.price.amount;
  if (amount <= low || amount >= high) {
    throw new AppError(
      "bad_request",
      `Counter with more than ${money(low, currency)} and less than ${money(high, currency)}`,
      [{ path: "amount.amount", message: "Not between your last offer and the seller's counter" }],
    );
  }
};

/**
 * The deal's units are free to hold for the accepted offer: first accept wins; the last unit held by
 * another buyer → `item_reserved`, fewer units left than the offer asks for → `not_available`.
 */
export const unitFree: Guard = ({ item, deal }) => {
  assertOpen(item);
  if (deal.quantity > item.quantityAvailable) {
    throw new AppError("not_available", `Only ${item.quantityAvailable} of this item left`);
  }
};

// Actions

/** The caller's number becomes the offer on the table (and their side's last number). */
export const recordAmount: Action = async (ctx) => {
  const by = ctx.caller.actor;
  if (by !== "buyer" && by !== "seller") throw new Error(`${by} cannot make an offer`);
  await recordOffer(ctx.write.tx, ctx.deal.id, by, amountOf(ctx).amount);
};

/**
 * The offer on the table becomes the deal's price. The context's deal is re-read, so the payment opened
 * next (`openPayment`) is for the agreed total.
 */
export const agreePrice: Action = async (ctx) => {
  const agreed = ctx.deal.offer?.amount;
  if (!agreed) throw new Error(`deal ${ctx.deal.id} has no offer to accept`);
  await setDealPrice(ctx.write.tx, ctx.deal.id, agreed);
  const updated = await getDeal(ctx.write.tx, ctx.deal.id);
  if (!updated) throw new Error(`deal ${ctx.deal.id} vanished`);
  ctx.deal = updated;
};

/** The item's count of open offers changed: `items:changed` goes out after commit. */
export const offersChanged: Action = async ({ write }) => {
  write.changed();
};

/**
 * The processor took the money for an accepted offer: the payment succeeded; the thread gets the whole
 * `custom:payment`, the room the sale without the agreed amount (offers are private).
 */
export const capturePrivately: Action = async ({ write, deal }) => {
  const payment = deal.paymentId ? await getPayment(write.tx, deal.paymentId, { forUpdate: true }) : null;
  if (!payment) throw new Error(`deal ${deal.id} has no payment to capture`);
  await setPaymentStatus(write.tx, payment.id, "succeeded", null);
  const event = paymentEvent(payment, "succeeded");
  const { amount: _private, ...sale } = event.body;
  await write.append({ ...event, body: sale });
  await write.appendToThread(deal.id, event);
};

/** Sold: every other open offer on the item ends `declined` by the system, with the reason. */
export const closeOtherOffers: Action = async (ctx) => {
  const { write, item, deal } = ctx;
  if ((await requireItem(write.tx, item.id)).status !== "sold") return;
  for (const id of await listOpenOffers(write.tx, item.id)) {
    if (id !== deal.id) await ctx.cascade(id, "close", { reason: "The item was sold" });
  }
};
