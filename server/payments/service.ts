import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../../shared/errors.js";
import type { PaymentEventBody } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Money } from "../../shared/money.js";
import type { Card, Payment } from "../../shared/payments.js";
import type { User } from "../../shared/users.js";
import { findUserById } from "../auth/store.js";
import { type Db, isUniqueViolation } from "../db/db.js";
import { assertOpen, requireItem } from "../items/service.js";
import { setItemStatus } from "../items/store.js";
import type { ItemWrite, Timeline } from "../timeline/timeline.js";
import type { PaymentGateway } from "./gateway.js";
import { paymentPolicy } from "./policy.js";
import type { ProcessorEvent } from "./processor-event.js";
import {
  findOpenPayment,
  findPaymentByRef,
  getPayment,
  insertPayment,
  isOpen,
  isWebhookEventProcessed,
  listExpiredHolds,
  listRefundsOwed,
  type PaymentRecord,
  recordWebhookEvent,
  setIntent,
  setPaymentStatus,
  setRefundRef,
  toPayment,
  tryLockItem,
} from "./store.js";

export type PaymentService = ReturnType<typeof createPaymentService>;

type Deps = {
  db: Db;
  timeline: Timeline;
  gateway: PaymentGateway;
  holdSeconds: number;
  logger: Logger;
};

/** How a success report ended: the item sold, a refund owed, or nothing to do (already handled). */
type Settlement = "sold" | "refund" | "none";

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Checkout, payment and its outcomes. Every change to a payment happens inside `timeline.write` on its
 * item, locking the item's row first and then the payment's, so that checkouts, confirmations, webhooks
 * and the expiry sweeper of any number of processes see one order of events. Calls to the processor
 * happen outside transactions, with idempotency keys, and are safe to repeat.
 */
export function createPaymentService(deps: Deps) {
  const { db, timeline, gateway, holdSeconds, logger } = deps;

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

  const paymentEvent = (payment: PaymentRecord, status: PaymentEventBody["status"], failureCode?: string) => {
    const body: PaymentEventBody = {
      paymentId: payment.id,
      status,
      amount: payment.amount,
      buyer: { id: payment.buyerId, username: payment.buyerUsername },
      provider: payment.provider,
      ...(failureCode ? { failureCode } : {}),
    };
    return { type: "custom:payment" as const, author: null, body };
  };

  // Steps inside a write. The caller holds the item's lock and the payment's.

  /** Ends the hold: the payment is canceled and the item, if this payment reserved it, is available again. */
  async function releaseHold(write: ItemWrite, payment: PaymentRecord, item: Item): Promise<void> {
    await setPaymentStatus(write.tx, payment.id, "canceled", payment.failureCode);
    // An open payment and a reserved item mean this payment holds it (one open payment per item).
    if (item.status === "reserved") await setItemStatus(write.tx, item.id, "available");
    write.changed();
  }

  /**
   * The processor took the buyer's money. While the payment holds the item, the item is sold to them;
   * otherwise (the hold was released, the item was removed) the money goes back: the payment becomes
   * `refunded`, the refund itself is made after commit. Already settled: nothing happens.
   */
  async function settleSucceeded(write: ItemWrite, payment: PaymentRecord, item: Item): Promise<Settlement> {
    if (payment.status === "succeeded" || payment.status === "refunded") return "none";
    if (isOpen(payment.status) && item.status === "reserved") {
      await setPaymentStatus(write.tx, payment.id, "succeeded", null);
      await setItemStatus(write.tx, item.id, "sold");
      await write.append(paymentEvent(payment, "succeeded"));
      write.changed();
      return "sold";
    }
    await setPaymentStatus(write.tx, payment.id, "refunded", payment.failureCode);
    await write.append(paymentEvent(payment, "refunded"));
    return "refund";
  }

  /** An attempt was declined. The payment keeps its hold, so the buyer may try again until it expires. */
  async function settleFailed(write: ItemWrite, payment: PaymentRecord, failureCode: string): Promise<void> {
    if (!isOpen(payment.status)) return;
    await setPaymentStatus(write.tx, payment.id, "failed", failureCode);
    await write.append(paymentEvent(payment, "failed", failureCode));
  }

  // Steps after commit: calls to the processor.

  /** Refunds once (the idempotency key makes repeats harmless); if it fails, the sweeper retries later. */
  async function refund(payment: PaymentRecord): Promise<void> {
    if (!payment.providerRef) return;
    try {
      const refundRef = await gateway.refund(payment.providerRef, `refund:${payment.id}`);
      await setRefundRef(db, payment.id, refundRef);
    } catch (error) {
      logger.warn({ paymentId: payment.id, reason: reasonOf(error) }, "refund failed; it will be retried");
    }
  }

  /**
   * Cancels the charge of a released hold. If the processor refuses, the charge may have succeeded
   * meanwhile: re-read it, and a success is settled (which refunds it, as the hold is gone).
   */
  async function cancelCharge(payment: PaymentRecord): Promise<void> {
    const ref = payment.providerRef;
    if (!ref) return;
    try {
      await gateway.cancel(ref);
    } catch (error) {
      const state = await gateway.retrieve(ref).catch(() => null);
      if (state?.status === "succeeded") {
        await settleLateSuccess(payment.id);
      } else if (state?.status !== "canceled") {
        logger.warn({ paymentId: payment.id, reason: reasonOf(error) }, "could not cancel the charge");
      }
    }
  }

  /** The processor reports a success outside a webhook (found while canceling): settle it now. */
  async function settleLateSuccess(paymentId: string): Promise<void> {
    const known = await getPayment(db, paymentId);
    if (!known) return;
    const settlement = await timeline.write(known.itemId, async (write) => {
      const item = await requireItem(write.tx, known.itemId, true);
      return settleSucceeded(write, await lockPayment(write, paymentId), item);
    });
    if (settlement === "refund") await refund(known);
  }

  /** Opens the processor's charge for a new payment, once; a failure releases a hold just taken. */
  async function ensureCharge(payment: PaymentRecord, created: boolean): Promise<PaymentRecord> {
    if (payment.providerRef) return payment;
    try {
      const intent = await gateway.createIntent(
        payment.amount,
        { paymentId: payment.id, itemId: payment.itemId, buyerId: payment.buyerId },
        `checkout:${payment.id}`,
      );
      await setIntent(db, payment.id, intent);
    } catch (error) {
      logger.error({ paymentId: payment.id, reason: reasonOf(error) }, "could not open a charge");
      if (created) await releaseUnpaid(payment.id);
      throw new AppError("payment_provider_error", "The payment processor is unavailable; please try again");
    }
    const stored = await getPayment(db, payment.id);
    if (!stored) throw new Error(`payment ${payment.id} vanished`);
    return stored;
  }

  async function releaseUnpaid(paymentId: string): Promise<void> {
    const known = await getPayment(db, paymentId);
    if (!known) return;
    await timeline.write(known.itemId, async (write) => {
      const item = await requireItem(write.tx, known.itemId, true);
      const payment = await lockPayment(write, paymentId);
      if (isOpen(payment.status)) await releaseHold(write, payment, item);
    });
  }

  /**
   * Refuses, without a lock or a place in the item's write queue, a checkout that cannot succeed: the
   * item is sold or removed, or another buyer's hold is running. When a hundred buyers race, the ones
   * arriving after the winner committed get their 409 at once instead of waiting for every write
   * before theirs. The locked check in `checkout` stays the authority.
   */
  async function refuseEarly(user: User, itemId: string): Promise<void> {
    const item = await requireItem(db, itemId);
    if (!paymentPolicy.buy(user, item)) throw new AppError("forbidden", "You cannot buy your own item");
    if (item.status !== "reserved") return assertOpen(item);
    const open = await findOpenPayment(db, itemId);
    if (open && !open.holdExpired && open.buyerId !== user.id) assertOpen(item);
  }

  return {
    /**
     * Reserves the item for the buyer and opens a payment for the item's price. The same buyer asking
     * again while their hold lasts gets the same payment (`created: false`).
     */
    async checkout(
      user: User,
      itemId: string,
      expectedPrice?: Money,
    ): Promise<{ payment: Payment; created: boolean }> {
      if (!paymentPolicy.checkout(user)) throw new AppError("forbidden", "Only buyer accounts can buy items");
      await refuseEarly(user, itemId);
      const outcome = await timeline.write(itemId, async (write) => {
        let item = await requireItem(write.tx, itemId, true);
        if (!paymentPolicy.buy(user, item)) throw new AppError("forbidden", "You cannot buy your own item");
        let released: PaymentRecord | null = null;
        if (item.status === "reserved") {
          const open = await findOpenPayment(write.tx, itemId, { forUpdate: true });
          if (open && !open.holdExpired && open.buyerId === user.id) {
            return { payment: open, created: false, released };
          }
          // A hold that ran out but was not swept yet ends now rather than refusing this buyer.
          if (open?.holdExpired) {
            await releaseHold(write, open, item);
            released = open;
            item = await requireItem(write.tx, itemId);
          }
        }
        assertOpen(item);
        if ((await findUserById(write.tx, item.seller.id))?.suspendedAt) {
          throw new AppError(
            "seller_suspended",
            "This seller's account is suspended; the item cannot be bought",
          );
        }
        if (
          expectedPrice &&
          (expectedPrice.amount !== item.price.amount || expectedPrice.currency !== item.price.currency)
        ) {
          throw new AppError("price_changed", "The price changed; check it before buying", {
            price: item.price,
          });
        }
        const id = randomUUID();
        try {
          await insertPayment(write.tx, {
            id,
            itemId,
            buyerId: user.id,
            provider: gateway.provider,
            price: item.price,
            holdSeconds,
          });
        } catch (error) {
          // Unreachable while the item's row lock is held; the index is the last line of defence.
          if (isUniqueViolation(error, "payments_one_open_per_item")) {
            throw new AppError("item_reserved", "This item is reserved by a buyer who is paying");
          }
          throw error;
        }
        await setItemStatus(write.tx, itemId, "reserved");
        write.changed();
        const payment = await getPayment(write.tx, id);
        if (!payment) throw new Error(`payment ${id} vanished`);
        return { payment, created: true, released };
      });
      if (outcome.released) await cancelCharge(outcome.released);
      const payment = await ensureCharge(outcome.payment, outcome.created);
      return { payment: toPayment(payment), created: outcome.created };
    },

    async get(user: User, paymentId: string): Promise<Payment> {
      return toPayment(await requireOwnPayment(user, paymentId));
    },

    /**
     * Simulated processor only: charges the card now. A decline leaves the payment `failed` and holding
     * the item, to be confirmed again; a success sells the item. Confirming a succeeded payment again
     * changes nothing and answers with it.
     */
    async confirm(user: User, paymentId: string, card: Card): Promise<Payment> {
      const known = await requireOwnPayment(user, paymentId);
      const chargeCard = gateway.chargeCard?.bind(gateway);
      if (!chargeCard || known.provider !== gateway.provider) {
        throw new AppError("conflict", "This payment is confirmed in the browser with Stripe, not here");
      }
      const charged = await ensureCharge(known, false);
      const outcome = await timeline.write(known.itemId, async (write) => {
        const item = await requireItem(write.tx, known.itemId, true);
        const payment = await lockPayment(write, paymentId);
        if (payment.status === "succeeded") return { payment, error: null };
        if (!isOpen(payment.status)) {
          throw new AppError("payment_not_open", `This payment is ${payment.status}; check out again`);
        }
        // Never charge for an item that cannot be sold: release the hold instead (committed), then refuse.
        if (payment.holdExpired || item.status !== "reserved") {
          await releaseHold(write, payment, item);
          const error =
            item.status === "removed"
              ? new AppError("item_removed", "This item was removed")
              : new AppError("payment_not_open", "The reservation expired; check out again");
          return { payment, error };
        }
        const result = chargeCard(charged.providerRef ?? "", card);
        if (result.status === "succeeded") await settleSucceeded(write, payment, item);
        else await settleFailed(write, payment, result.failureCode);
        return { payment: await lockPayment(write, paymentId), error: null };
      });
      if (outcome.error) throw outcome.error;
      return toPayment(outcome.payment);
    },

    /** The buyer gives up: the hold ends and the item is available again. Canceling twice is harmless. */
    async cancel(user: User, paymentId: string): Promise<Payment> {
      const known = await requireOwnPayment(user, paymentId);
      const released = await timeline.write(known.itemId, async (write) => {
        const item = await requireItem(write.tx, known.itemId, true);
        const payment = await lockPayment(write, paymentId);
        if (payment.status === "canceled") return null;
        if (!isOpen(payment.status)) {
          throw new AppError("payment_not_open", `This payment is ${payment.status} and cannot be canceled`);
        }
        await releaseHold(write, payment, item);
        return payment;
      });
      if (released) await cancelCharge(released);
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

      const outcome = await timeline.write(known.itemId, async (write) => {
        const item = await requireItem(write.tx, known.itemId, true);
        if (!(await recordWebhookEvent(write.tx, event.id, event.type))) return "duplicate" as const;
        const payment = await lockPayment(write, known.id);
        switch (type) {
          case "succeeded":
            return settleSucceeded(write, payment, item);
          case "failed":
            await settleFailed(
              write,
              payment,
              (event.type === "failed" && event.failureCode) || "card_declined",
            );
            return "none";
          case "processing":
            if (isOpen(payment.status)) await setPaymentStatus(write.tx, payment.id, "processing", null);
            return "none";
          case "canceled":
            if (isOpen(payment.status)) await releaseHold(write, payment, item);
            return "none";
          case "refunded":
            if (event.type !== "refunded") return "none";
            // Refunded outside Parley (the Stripe dashboard): record it; the item stays sold.
            if (payment.status === "succeeded") {
              await setPaymentStatus(write.tx, payment.id, "refunded", null);
              await write.append(paymentEvent(payment, "refunded"));
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

    /**
     * Releases every hold that ran out and retries owed refunds. Safe to run in several processes at
     * once: an item another process is working on is skipped (`skip locked`) and picked up next time,
     * and each release re-checks the payment under its lock.
     */
    async sweep(): Promise<{ released: number; refunded: number }> {
      let released = 0;
      for (const due of await listExpiredHolds(db, 100)) {
        const payment = await timeline.write(due.itemId, async (write) => {
          if (!(await tryLockItem(write.tx, due.itemId))) return null;
          const payment = await lockPayment(write, due.id);
          if (!isOpen(payment.status) || !payment.holdExpired) return null;
          await releaseHold(write, payment, await requireItem(write.tx, due.itemId));
          return payment;
        });
        if (payment) {
          released++;
          await cancelCharge(payment);
        }
      }
      const owed = await listRefundsOwed(db, 20);
      for (const payment of owed) await refund(payment);
      return { released, refunded: owed.length };
    },
  };
}
