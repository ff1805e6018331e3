import type { Money } from "../../shared/money.js";
import {
  OPEN_PAYMENT_STATUSES,
  type Payment,
  type PaymentProvider,
  type PaymentStatus,
} from "../../shared/payments.js";
import type { Queryable } from "../db/db.js";

/** A payment as the server knows it: the public shape plus what only the server needs. */
export type PaymentRecord = Payment & {
  /** The deal the payment belongs to (null only for payments from before deals existed). */
  dealId: string | null;
  providerRef: string | null;
  buyerUsername: string;
  /** Whether the hold has run out, by the database's clock (the one clock all processes share). */
  holdExpired: boolean;
};

type PaymentRow = {
  id: string;
  deal_id: string | null;
  item_id: string;
  buyer_id: string;
  buyer_username: string;
  status: PaymentStatus;
  provider: PaymentProvider;
  amount: number;
  currency: Money["currency"];
  provider_ref: string | null;
  client_secret: string | null;
  failure_code: string | null;
  expires_at: Date;
  created_at: Date;
  hold_expired: boolean;
  refunded_amount: number | null;
};

const SELECT_PAYMENTS = `
  select p.id, p.deal_id, p.item_id, p.buyer_id, u.username as buyer_username, p.status, p.provider, p.amount, p.currency,
         p.provider_ref, p.client_secret, p.failure_code, p.expires_at, p.created_at,
         p.expires_at <= now() as hold_expired, p.refunded_amount
  from payments p join users u on u.id = p.buyer_id`;

function toRecord(row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    dealId: row.deal_id,
    itemId: row.item_id,
    buyerId: row.buyer_id,
    status: row.status,
    provider: row.provider,
    amount: { amount: row.amount, currency: row.currency },
    clientSecret: row.client_secret,
    failureCode: row.failure_code,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    refunded: row.refunded_amount === null ? null : { amount: row.refunded_amount, currency: row.currency },
    providerRef: row.provider_ref,
    buyerUsername: row.buyer_username,
    holdExpired: row.hold_expired,
  };
}

/** The contract's Payment, without the server's own fields. */
export function toPayment(record: PaymentRecord): Payment {
  const {
    dealId: _deal,
    providerRef: _ref,
    buyerUsername: _name,
    holdExpired: _expired,
    ...payment
  } = record;
  return payment;
}

export const isOpen = (status: PaymentStatus) =>
  (OPEN_PAYMENT_STATUSES as readonly string[]).includes(status);

export async function insertPayment(
  q: Queryable,
  payment: {
    id: string;
    dealId: string;
    itemId: string;
    buyerId: string;
    provider: PaymentProvider;
    price: Money;
    holdSeconds: number;
  },
): Promise<void> {
  await q.query(
    `insert into payments (id, item_id, buyer_id, status, provider, amount, currency, expires_at, deal_id)
     values ($1, $2, $3, 'requires_payment', $4, $5, $6, now() + make_interval(secs => $7), $8)`,
    [
      payment.id,
      payment.itemId,
      payment.buyerId,
      payment.provider,
      payment.price.amount,
      payment.price.currency,
      payment.holdSeconds,
      payment.dealId,
    ],
  );
}

/** The payment; with `forUpdate`, its row stays locked until the transaction ends. */
export async function getPayment(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PaymentRecord | null> {
  const [row] = await q.query<PaymentRow>(
    `${SELECT_PAYMENTS} where p.id = $1${options.forUpdate ? " for update of p" : ""}`,
    [id],
  );
  return row ? toRecord(row) : null;
}

export async function findPaymentByRef(q: Queryable, ref: string): Promise<PaymentRecord | null> {
  const [row] = await q.query<PaymentRow>(`${SELECT_PAYMENTS} where p.provider_ref = $1`, [ref]);
  return row ? toRecord(row) : null;
}

/** Records the processor's charge once; a second writer (a concurrent retry) changes nothing. */
export async function setIntent(
  q: Queryable,
  id: string,
  intent: { ref: string; clientSecret: string | null },
): Promise<void> {
  await q.query(
    `update payments set provider_ref = $2, client_secret = $3, updated_at = now()
     where id = $1 and provider_ref is null`,
    [id, intent.ref, intent.clientSecret],
  );
}

/**
 * The money goes back: the payment becomes `refunded` with the amount refunded (all of it unless a
 * smaller `amount` is given). The processor's refund is made after commit (`refund_ref` records it).
 */
export async function markRefunded(q: Queryable, id: string, amount?: number): Promise<void> {
  await q.query(
    `update payments set status = 'refunded', refunded_amount = coalesce($2, amount), updated_at = now()
     where id = $1`,
    [id, amount ?? null],
  );
}

export async function setPaymentStatus(
  q: Queryable,
  id: string,
  status: PaymentStatus,
  failureCode: string | null,
): Promise<void> {
  await q.query("update payments set status = $2, failure_code = $3, updated_at = now() where id = $1", [
    id,
    status,
    failureCode,
  ]);
}

/**
 * Refunded payments whose refund the processor has not confirmed yet, and not in the last few seconds
 * (the request that refunded them is still refunding them itself).
 */
export async function listRefundsOwed(q: Queryable, limit: number): Promise<PaymentRecord[]> {
  const rows = await q.query<PaymentRow>(
    `${SELECT_PAYMENTS} where p.status = 'refunded' and p.refund_ref is null and p.provider_ref is not null
       and p.updated_at < now() - interval '5 seconds'
     order by p.updated_at limit $1`,
    [limit],
    // Every tick of every process.
    { prepared: true },
  );
  return rows.map(toRecord);
}

export async function setRefundRef(q: Queryable, id: string, refundRef: string): Promise<void> {
  await q.query(
    "update payments set refund_ref = $2, updated_at = now() where id = $1 and refund_ref is null",
    [id, refundRef],
  );
}

/** Records a processed Stripe event; false if it was recorded before (a redelivery). */
export async function recordWebhookEvent(q: Queryable, eventId: string, type: string): Promise<boolean> {
  const rows = await q.query(
    `insert into processed_webhook_events (event_id, type) values ($1, $2)
     on conflict (event_id) do nothing returning event_id`,
    [eventId, type],
  );
  return rows.length > 0;
}

export async function isWebhookEventProcessed(q: Queryable, eventId: string): Promise<boolean> {
  const rows = await q.query("select 1 from processed_webhook_events where event_id = $1", [eventId]);
  return rows.length > 0;
}
