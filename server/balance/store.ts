import { randomUUID } from "node:crypto";
import type { LedgerEntry, SignedMoney } from "../../shared/balance.js";
import type { Money } from "../../shared/money.js";
import type { Queryable } from "../db/db.js";

export type NewLedgerEntry = {
  sellerId: string;
  dealId: string;
  kind: LedgerEntry["kind"];
  bucket: LedgerEntry["bucket"];
  /** Signed minor units. */
  amount: number;
  currency: Money["currency"];
  fee?: number;
};

/** Appends an entry; a second one of the same deal, kind and bucket is refused by the unique index. */
export async function insertLedgerEntry(q: Queryable, entry: NewLedgerEntry): Promise<void> {
  await q.query(
    `insert into ledger_entries (id, seller_id, deal_id, kind, bucket, amount, currency, fee)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      randomUUID(),
      entry.sellerId,
      entry.dealId,
      entry.kind,
      entry.bucket,
      entry.amount,
      entry.currency,
      entry.fee ?? 0,
    ],
  );
}

/** What the deal holds in each bucket now (minor units; 0 when it has no entries there). */
export async function dealBuckets(
  q: Queryable,
  dealId: string,
): Promise<{ pending: number; available: number; fee: number }> {
  const [row] = await q.query<{ pending: number; available: number; fee: number }>(
    `select coalesce(sum(amount) filter (where bucket = 'pending'), 0)::int as pending,
            coalesce(sum(amount) filter (where bucket = 'available'), 0)::int as available,
            coalesce(sum(fee), 0)::int as fee
     from ledger_entries where deal_id = $1`,
    [dealId],
  );
  return row ?? { pending: 0, available: 0, fee: 0 };
}

/** The seller's balance per bucket and currency, currencies in alphabetical order, empty ones left out. */
export async function sellerBalance(
  q: Queryable,
  sellerId: string,
): Promise<{ pending: SignedMoney[]; available: SignedMoney[] }> {
  const rows = await q.query<{
    bucket: "pending" | "available";
    currency: Money["currency"];
    amount: string;
  }>(
    `select bucket, currency, sum(amount)::bigint as amount from ledger_entries
     where seller_id = $1 group by bucket, currency order by currency`,
    [sellerId],
  );
  const of = (bucket: "pending" | "available") =>
    rows
      .filter((row) => row.bucket === bucket && Number(row.amount) !== 0)
      .map((row) => ({ amount: Number(row.amount), currency: row.currency }));
  return { pending: of("pending"), available: of("available") };
}

type EntryRow = {
  id: string;
  n: string;
  deal_id: string;
  item_id: string;
  item_title: string;
  kind: LedgerEntry["kind"];
  bucket: LedgerEntry["bucket"];
  amount: number;
  currency: Money["currency"];
  fee: number;
  created_at: Date;
};

/** The seller's entries, newest first, before the cursor (an entry's position `n`). */
export async function listLedgerEntries(
  q: Queryable,
  sellerId: string,
  page: { limit: number; cursor?: string },
): Promise<{ entries: LedgerEntry[]; nextCursor: string | null }> {
  const rows = await q.query<EntryRow>(
    `select e.id, e.n, e.deal_id, d.item_id, i.title as item_title, e.kind, e.bucket, e.amount, e.currency,
            e.fee, e.created_at
     from ledger_entries e join deals d on d.id = e.deal_id join items i on i.id = d.item_id
     where e.seller_id = $1 and ($2::bigint is null or e.n < $2::bigint)
     order by e.n desc limit $3`,
    [sellerId, page.cursor ?? null, page.limit + 1],
  );
  const entries = rows.slice(0, page.limit).map((row) => ({
    id: row.id,
    dealId: row.deal_id,
    item: { id: row.item_id, title: row.item_title },
    kind: row.kind,
    bucket: row.bucket,
    amount: { amount: row.amount, currency: row.currency },
    fee: { amount: row.fee, currency: row.currency },
    createdAt: row.created_at.toISOString(),
  }));
  const last = rows[page.limit - 1];
  return { entries, nextCursor: rows.length > page.limit && last ? String(last.n) : null };
}
