import type { Logger } from "pino";
import type { CheckoutRequest } from "../../shared/deals.js";
import { AppError } from "../../shared/errors.js";
import type { Item } from "../../shared/items.js";
import type { Card, Payment } from "../../shared/payments.js";
import type { User } from "../../shared/users.js";
import { findUserById } from "../auth/store.js";
import type { Db } from "../db/db.js";
import { awaitsPayment, type DealEngine, transitionsFor } from "../deals/engine.js";
import type { Caller } from "../deals/process.js";
import { type DealRecord, getDeal, listHolds } from "../deals/store.js";
import { assertOpen, requireItem } from "../items/service.js";
import type { ItemWrite, Timeline } from "../timeline/timeline.js";
import { paymentEvent } from "./events.js";
import type { PaymentGateway } from "./gateway.js";
import { paymentPolicy } from "./policy.js";
import type { ProcessorEvent } from "./processor-event.js";
import {
  findPaymentByRef,
  getPayment,
  isOpen,
  isWebhookEventProcessed,
  listRefundsOwed,
  markRefunded,
  type PaymentRecord,
  recordWebhookEvent,
  setIntent,
  setPaymentStatus,
  setRefundRef,
  toPayment,
} from "./store.js";

export type PaymentService = ReturnType<typeof createPaymentService>;

type Deps = {
  db: Db;
  timeline: Timeline;
  engine: DealEngine;
  gateway: PaymentGateway;
  logger: Logger;
};

/** The deal holds the item while its payment is open: a buy-now `reserved`, an auction's `won`. */

/** How a success report ended: the deal paid, a refund owed, or nothing to do (already handled). */
type Settlement = "sold" | "refund" | "none";

const SYSTEM: Caller = { actor: "system", user: null };

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Payments of deals: checkout (the buy-now process's start), the card, the processor's reports. State
 * changes are the deal engine's transitions (`checkout`, `pay`, `cancel`, `expire`, `void`), taken inside
 * `timeline.write` on the item, locking the item's row, then the deal's, then the payment's, so that
 * checkouts, confirmations, webhooks and timers of any number of processes see one order of events. Calls
 * to the processor happen outside transactions, with idempotency keys, and are safe to repeat.
 */
export function createPaymentService(deps: Deps) {
  const { db, timeline, engine, gateway, logger } = deps;

  async function lockPayment(write: ItemWrite, id: string): Promise<PaymentRecord> {
    const payment = await getPayment(write.tx, id, { forUpdate: true });
    if (!payment) throw new AppError("not_found", "No such payment");
    return payment;
  }

  async function requireOwnPayment(user: User, id: string): Promise<PaymentRecord> {
    const payment = await getPayment(db, id);
    if (!payment) throw new AppError("not_found", "No such payment");
    if (!paymentPolicy.pay(user, payment)) throw new AppError("forbidden", "This is another buyer's payment");
    return payment;
  }

  /** A write on the payment's item with the item and the payment's deal locked. */
  function withDeal<T>(
    known: PaymentRecord,
    fn: (write: ItemWrite, item: Item, deal: DealRecord) => Promise<T>,
  ): Promise<T> {
    return timeline.write(known.itemId, async (write) => {
      const item = await requireItem(write.tx, known.itemId, true);
      const deal = known.dealId ? await getDeal(write.tx, known.dealId, { forUpdate: true }) : null;
      if (!deal) throw new Error(`payment ${known.id} has no deal`);
      return fn(write, item, deal);
    });
  }

  /**
   * The processor took the buyer's money. While the deal holds the item, the deal is paid (`pay`: the
   * item is sold); otherwise (the hold ended, the item was removed) the money goes back: the payment
   * becomes `refunded`, the refund itself is made after commit. Already settled: nothing happens.
   */
  async function settleSucceeded(
    write: ItemWrite,
    item: Item,
    deal: DealRecord,
    payment: PaymentRecord,
  ): Promise<Settlement> {
    if (payment.status === "succeeded" || payment.status === "refunded") return "none";
    // The deal's own units are held whether the item shows `reserved` (every unit held) or `available`
    // (other units still free); only a removed item refuses the sale.
    if (isOpen(payment.status) && awaitsPayment(deal) && item.status !== "removed") {
      await engine.apply(write, item, deal, "pay", SYSTEM);
      return "sold";
    }
    await markRefunded(write.tx, payment.id);
    await write.appendToThread(deal.id, paymentEvent(payment, "refunded"));
    return "refund";
  }

  /** An attempt was declined. The deal keeps its hold, so the buyer may try again until it expires. */
  async function settleFailed(
    write: ItemWrite,
    deal: DealRecord,
    payment: PaymentRecord,
    failureCode: string,
  ): Promise<void> {
    if (!isOpen(payment.status)) return;
    await setPaymentStatus(write.tx, payment.id, "failed", failureCode);
    // Private (v2 amendment 2): the deal's thread, never the item's room.
    await write.appendToThread(deal.id, paymentEvent(payment, "failed", { failureCode }));
  }

  // After commit: calls to the processor.

  /**
   * Makes a refunded payment's refund at the processor: the amount recorded (all of it, or part), under
   * one key per payment (a payment is refunded once), so a repeat is the same refund. If it fails, the
   * timer worker retries later (`retryRefunds`) until the processor's refund id is recorded.
   */
  async function refund(payment: PaymentRecord): Promise<void> {
    if (!payment.providerRef) return;
    try {
      const refundRef = await gateway.refund(
        payment.providerRef,
        `refund:${payment.id}`,
        payment.refunded ?? payment.amount,
      );
      await setRefundRef(db, payment.id, refundRef);
    } catch (error) {
      logger.warn({ paymentId: payment.id, reason: reasonOf(error) }, "refund failed; it will be retried");
    }
  }

  /**
   * Cancels the charge of a released hold. If the processor refuses, the charge may have succeeded
   * meanwhile: re-read it, and a success is settled (which refunds it, as the hold is gone).
   */
  async function cancelCharge(paymentId: string): Promise<void> {
    const payment = await getPayment(db, paymentId);
    const ref = payment?.providerRef;
    if (!ref) return;
    try {
      await gateway.cancel(ref);
    } catch (error) {
      const state = await gateway.retrieve(ref).catch(() => null);
      if (state?.status === "succeeded") {
        await settleLateSuccess(paymentId);
      } else if (state?.status !== "canceled") {
        logger.warn({ paymentId, reason: reasonOf(error) }, "could not cancel the charge");
      }
    }
  }

  /** The processor reports a success outside a webhook (found while canceling): settle it now. */
  async function settleLateSuccess(paymentId: string): Promise<void> {
    const known = await getPayment(db, paymentId);
    if (!known) return;
    const settlement = await withDeal(known, async (write, item, deal) =>
      settleSucceeded(write, item, deal, await lockPayment(write, paymentId)),
    );
    if (settlement === "refund") await refund(known);
  }

  engine.onEffect("payment.cancel_charge", cancelCharge);
  // A payment opened by a transition (an accepted offer, an auction's win): its charge, so a Stripe buyer
  // has the client secret to pay with. Checkout opens its own before answering; this finds it opened.
  engine.onEffect("payment.open_charge", async (paymentId) => {
    const payment = await getPayment(db, paymentId);
    if (payment && isOpen(payment.status)) await ensureCharge(payment, false);
  });
  engine.onEffect("payment.refund", async (paymentId) => {
    const payment = await getPayment(db, paymentId);
    if (payment) await refund(payment);
  });

  /** Opens the processor's charge for a new payment, once; a failure ends the deal just started. */
  async function ensureCharge(payment: PaymentRecord, created: boolean): Promise<PaymentRecord> {
    if (payment.providerRef) return payment;
    try {
      const intent = await gateway.createIntent(
        payment.amount,
        {
          paymentId: payment.id,
          itemId: payment.itemId,
          buyerId: payment.buyerId,
          ...(payment.dealId ? { dealId: payment.dealId } : {}),
        },
        `checkout:${payment.id}`,
      );
      await setIntent(db, payment.id, intent);
    } catch (error) {
      logger.error({ paymentId: payment.id, reason: reasonOf(error) }, "could not open a charge");
      if (created) await voidUnpaid(payment);
      throw new AppError("payment_provider_error", "The payment processor is unavailable; please try again");
    }
    const stored = await getPayment(db, payment.id);
    if (!stored) throw new Error(`payment ${payment.id} vanished`);
    return stored;
  }

  async function voidUnpaid(known: PaymentRecord): Promise<void> {
    await withDeal(known, async (write, item, deal) => {
      if (awaitsPayment(deal)) await engine.apply(write, item, deal, "void", SYSTEM);
    });
  }

  /**
   * Refuses, without a lock or a place in the item's write queue, a checkout that cannot succeed: the
   * item is sold or removed, or another buyer's hold is running. When a hundred buyers race, the ones
   * arriving after the winner committed get their 409 at once instead of waiting for every write
   * before theirs. The locked check in `checkout` (the process's guards) stays the authority.
   */
  async function refuseEarly(user: User, itemId: string): Promise<void> {
    const item = await requireItem(db, itemId);
    if (!paymentPolicy.buy(user, item)) throw new AppError("forbidden", "You cannot buy your own item");
    if (item.status !== "reserved") return assertOpen(item);
    // Every unit is held: only the holders themselves, or anyone once a hold ran out, get further.
    const holds = await listHolds(db, itemId);
    if (!holds.some((hold) => hold.expired || hold.buyerId === user.id)) assertOpen(item);
  }

  return {
    /**
     * Starts a buy-now deal: reserves the item for the buyer and opens a payment for the item's price.
     * The same buyer asking again while their hold lasts gets the same deal and payment (`created: false`).
     */
    async checkout(
      user: User,
      itemId: string,
      terms: CheckoutRequest = {},
    ): Promise<{ payment: Payment; dealId: string; created: boolean }> {
      if (!paymentPolicy.checkout(user)) throw new AppError("forbidden", "Moderators cannot buy items");
      await refuseEarly(user, itemId);
      const outcome = await timeline.write(itemId, async (write) => {
        let item = await requireItem(write.tx, itemId, true);
        for (const hold of await listHolds(write.tx, itemId)) {
          const deal = await getDeal(write.tx, hold.dealId, { forUpdate: true });
          const open = deal?.paymentId ? await lockPayment(write, deal.paymentId) : null;
          if (!deal || !open) continue;
          if (!hold.expired && hold.buyerId === user.id)
            return { payment: open, dealId: deal.id, created: false };
          // A hold that ran out but whose timer has not fired yet ends now rather than refusing this buyer.
          if (hold.expired) {
            await engine.apply(write, item, deal, "expire", SYSTEM);
            item = await requireItem(write.tx, itemId);
          }
        }
        if ((await findUserById(write.tx, item.seller.id))?.suspendedAt) {
          throw new AppError(
            "seller_suspended",
            "This seller's account is suspended; the item cannot be bought",
          );
        }
        const { expectedPrice } = terms;
        if (
          expectedPrice &&
          (expectedPrice.amount !== item.price.amount || expectedPrice.currency !== item.price.currency)
        ) {
          throw new AppError("price_changed", "The price changed; check it before buying", {
            price: item.price,
          });
        }
        const deal = await engine.start(write, item, "buy-now", "checkout", user, terms);
        const payment = deal.paymentId ? await getPayment(write.tx, deal.paymentId) : null;
        if (!payment) throw new Error(`deal ${deal.id} opened no payment`);
        return { payment, dealId: deal.id, created: true };
      });
      const payment = await ensureCharge(outcome.payment, outcome.created);
      return { payment: toPayment(payment), dealId: outcome.dealId, created: outcome.created };
    },

    /** The buyer's payment; an open one whose charge could not be opened yet is opened now (Stripe's client secret). */
    async get(user: User, paymentId: string): Promise<Payment> {
      const payment = await requireOwnPayment(user, paymentId);
      return toPayment(isOpen(payment.status) ? await ensureCharge(payment, false) : payment);
    },

    /**
     * Simulated processor only: charges the card now. A decline leaves the payment `failed` and the deal
     * holding the item, to be confirmed again; a success pays the deal. Confirming a succeeded payment
     * again changes nothing and answers with it.
     */
    async confirm(user: User, paymentId: string, card: Card): Promise<Payment> {
      const known = await requireOwnPayment(user, paymentId);
      const chargeCard = gateway.chargeCard?.bind(gateway);
      if (!chargeCard || known.provider !== gateway.provider) {
        throw new AppError("conflict", "This payment is confirmed in the browser with Stripe, not here");
      }
      const charged = await ensureCharge(known, false);
      const outcome = await withDeal(known, async (write, item, deal) => {
        const payment = await lockPayment(write, paymentId);
        if (payment.status === "succeeded") return { payment, error: null };
        if (!isOpen(payment.status)) {
          throw new AppError("payment_not_open", `This payment is ${payment.status}; check out again`);
        }
        // Never charge for an item that cannot be sold: end the deal instead (committed), then refuse.
        if (item.status === "removed") {
          await engine.apply(write, item, deal, "void", SYSTEM);
          return { payment, error: new AppError("item_removed", "This item was removed") };
        }
        // The deal's hold is its state (a multi-unit item stays `available` while one unit is held).
        if (payment.holdExpired || !awaitsPayment(deal)) {
          if (awaitsPayment(deal)) await engine.apply(write, item, deal, "expire", SYSTEM);
          return {
            payment,
            error: new AppError("payment_not_open", "The reservation expired; check out again"),
          };
        }
        const result = chargeCard(charged.providerRef ?? "", card);
        if (result.status === "succeeded") await settleSucceeded(write, item, deal, payment);
        else await settleFailed(write, deal, payment, result.failureCode);
        return { payment: await lockPayment(write, paymentId), error: null };
      });
      if (outcome.error) throw outcome.error;
      return toPayment(outcome.payment);
    },

    /** The buyer gives up (the deal's `cancel`): the hold ends, the item is available again. Twice is harmless. */
    async cancel(user: User, paymentId: string): Promise<Payment> {
      const known = await requireOwnPayment(user, paymentId);
      await withDeal(known, async (write, item, deal) => {
        const payment = await lockPayment(write, paymentId);
        if (payment.status === "canceled") return;
        if (!isOpen(payment.status)) {
          throw new AppError("payment_not_open", `This payment is ${payment.status} and cannot be canceled`);
        }
        await engine.apply(write, item, deal, "cancel", { actor: "buyer", user });
      });
      return toPayment(await requireOwnPayment(user, paymentId));
    },

    /**
     * A verified processor event. Tolerates repeats (recorded by event id in the same transaction as its
     * effect) and any order: a success always wins over a failure, a failure is re-checked against the
     * processor, and a settled payment never moves back.
     */
    async handleProcessorEvent(event: ProcessorEvent): Promise<"handled" | "duplicate" | "ignored"> {
      if (await isWebhookEventProcessed(db, event.id)) return "duplicate";
      const byRef = await findPaymentByRef(db, event.ref);
      const known = byRef ?? (event.paymentId ? await getPayment(db, event.paymentId) : null);
      if (known?.provider !== "stripe") return "ignored";

      let type: ProcessorEvent["type"] = event.type;
      if (type === "failed") {
        // A failure may be stale (a later attempt is under way or succeeded): believe the charge as it is now.
        const state = await gateway.retrieve(event.ref).catch(() => null);
        if (state && state.status !== "requires_payment" && state.status !== "failed") type = state.status;
      }

      const outcome = await withDeal(known, async (write, item, deal) => {
        if (!(await recordWebhookEvent(write.tx, event.id, event.type))) return "duplicate" as const;
        const payment = await lockPayment(write, known.id);
        switch (type) {
          case "succeeded":
            return settleSucceeded(write, item, deal, payment);
          case "failed":
            await settleFailed(
              write,
              deal,
              payment,
              (event.type === "failed" && event.failureCode) || "card_declined",
            );
            return "none";
          case "processing":
            if (isOpen(payment.status)) await setPaymentStatus(write.tx, payment.id, "processing", null);
            return "none";
          case "canceled":
            if (isOpen(payment.status) && awaitsPayment(deal)) {
              await engine.apply(write, item, deal, "void", SYSTEM);
            }
            return "none";
          case "refunded":
            if (event.type !== "refunded") return "none";
            // Refunded outside Parley (the Stripe dashboard), all or part: recorded with its amount, and an
            // order not yet ended ends refunded (the seller's ledger follows); the item stays sold.
            if (payment.status === "succeeded" && event.amountRefunded !== 0) {
              const amount = {
                amount: Math.min(event.amountRefunded ?? payment.amount.amount, payment.amount.amount),
                currency: payment.amount.currency,
              };
              await markRefunded(write.tx, payment.id, amount.amount);
              await write.appendToThread(deal.id, paymentEvent(payment, "refunded", { amount }));
              if (transitionsFor(deal, "system").includes("processor-refund")) {
                await engine.apply(write, item, deal, "processor-refund", SYSTEM);
              }
            }
            // Our own refund confirmed, or the one just recorded.
            if (payment.status === "succeeded" || payment.status === "refunded") {
              await setRefundRef(write.tx, payment.id, event.refundRef);
            }
            return "none";
        }
      });
      if (outcome === "duplicate") return "duplicate";
      if (outcome === "refund") await refund({ ...known, providerRef: known.providerRef ?? event.ref });
      return "handled";
    },

    /** Retries refunds the processor has not confirmed (run by the timer worker). */
    async retryRefunds(): Promise<number> {
      const owed = await listRefundsOwed(db, 20);
      for (const payment of owed) await refund(payment);
      return owed.length;
    },
  };
}
