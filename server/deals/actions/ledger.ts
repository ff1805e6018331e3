import { feeOf } from "../../balance/fee.js";
import { dealBuckets, insertLedgerEntry } from "../../balance/store.js";
import type { Queryable } from "../../db/db.js";
import { getPayment } from "../../payments/store.js";
import type { Action } from "../process.js";
import type { DealRecord } from "../store.js";

/*
 * The seller's ledger (server/balance/), written by the deal's transitions inside their transaction, so
 * each entry exists exactly when its transition committed:
 *
 *   paid ─ creditSale ─▶ pending += total − fee
 *   completed ─ releaseSale ─▶ pending → available
 *   refunded ─ reverseRefundedSale ─▶ pending −= the refund less the fee on it; the rest → available
 */

/** The deal was paid: its total less the marketplace's fee is pending for the seller. */
export const creditSale: Action = async ({ write, deal, feeBps }) => {
  const fee = feeOf(deal.total.amount, feeBps);
  await insertLedgerEntry(write.tx, {
    sellerId: deal.seller.id,
    dealId: deal.id,
    kind: "sale",
    bucket: "pending",
    amount: deal.total.amount - fee,
    currency: deal.total.currency,
    fee,
  });
};

/** The deal completed: what it holds pending becomes available to the seller. */
export const releaseSale: Action = async ({ write, deal }) => {
  const { pending } = await dealBuckets(write.tx, deal.id);
  await release(write.tx, deal, pending);
};

/** The deal was refunded (after `refundPayment`): the ledger reverses what the payment gave back. */
export const reverseRefundedSale: Action = async ({ write, deal, feeBps }) => {
  const payment = deal.paymentId ? await getPayment(write.tx, deal.paymentId) : null;
  if (!payment?.refunded) throw new Error(`deal ${deal.id} was refunded without a refunded amount`);
  await reverseSale(write.tx, deal, payment.refunded.amount, feeBps);
};

/**
 * The buyer got `refunded` (minor units, at most the total) back. The fee is recomputed on what the
 * seller keeps (`total − refunded`): the refund leaves pending less the fee on it, and what is kept,
 * less its fee, becomes available (a full refund leaves nothing). A deal paid before the ledger existed
 * has no entries and gets none.
 */
async function reverseSale(tx: Queryable, deal: DealRecord, refunded: number, feeBps: number): Promise<void> {
  const { pending, fee } = await dealBuckets(tx, deal.id);
  if (pending === 0) return;
  const kept = Math.max(0, deal.total.amount - refunded);
  const keptFee = feeOf(kept, feeBps);
  const keptNet = kept - keptFee;
  await insertLedgerEntry(tx, {
    sellerId: deal.seller.id,
    dealId: deal.id,
    kind: "refund",
    bucket: "pending",
    amount: -(pending - keptNet),
    currency: deal.total.currency,
    fee: -(fee - keptFee),
  });
  await release(tx, deal, keptNet);
}

/** Moves `amount` of the deal's pending money to available: one entry out of pending, one into available. */
async function release(tx: Queryable, deal: DealRecord, amount: number): Promise<void> {
  if (amount <= 0) return;
  const entry = {
    sellerId: deal.seller.id,
    dealId: deal.id,
    kind: "release",
    currency: deal.total.currency,
  } as const;
  await insertLedgerEntry(tx, { ...entry, bucket: "pending", amount: -amount });
  await insertLedgerEntry(tx, { ...entry, bucket: "available", amount });
}
