import type { Migration } from "./index.js";

/**
 * The seller's ledger and reviews (issue 12).
 *
 * `ledger_entries` is append-only: each row moves a signed amount into one of a seller's two buckets
 * (`pending` while the order runs, `available` once it completed); a balance is the sum per bucket and
 * currency. One row per deal, kind and bucket: the engine's transitions write each exactly once.
 *
 * `reviews` are blind until `published_at` is set (both parties reviewed, or the window's timer fired).
 */
export const ledgerAndReviews: Migration = {
  version: "0085-ledger-and-reviews",
  statements: [
    `create table ledger_entries (
      id uuid primary key,
      n bigint generated always as identity,
      seller_id uuid not null references users (id),
      deal_id uuid not null references deals (id),
      kind text not null check (kind in ('sale', 'release', 'refund')),
      bucket text not null check (bucket in ('pending', 'available')),
      amount integer not null,
      currency text not null,
      -- The marketplace's fee this entry takes (a sale) or gives back (a refund), in the same currency.
      fee integer not null default 0,
      created_at timestamptz not null default now()
    )`,
    "create unique index ledger_entries_once on ledger_entries (deal_id, kind, bucket)",
    "create index ledger_entries_seller on ledger_entries (seller_id, n desc)",
    `create table reviews (
      id uuid primary key,
      deal_id uuid not null references deals (id),
      author_id uuid not null references users (id),
      subject_id uuid not null references users (id),
      role text not null check (role in ('buyer', 'seller')),
      rating smallint not null check (rating between 1 and 5),
      text text not null,
      published_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    "create unique index reviews_once on reviews (deal_id, author_id)",
    "create index reviews_published on reviews (subject_id, published_at desc, id desc) where published_at is not null",
  ],
};
