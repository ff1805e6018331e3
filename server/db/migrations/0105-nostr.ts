import type { Migration } from "./index.js";

/**
 * Nostr listings (docs/INTEGRATIONS.md, "Nostr"): one signing key per seller, encrypted at rest; what was
 * last signed for each item; and the deliveries still owed to each relay (one row per item and relay,
 * always the item's latest event). The reader `nostr` starts at the outbox's end: it publishes what
 * changes after this version is deployed.
 */
export const nostr: Migration = {
  version: "0105-nostr",
  statements: [
    // The secret key is AES-256-GCM ciphertext (see server/nostr/keys.ts); the column alone is not the key.
    `create table nostr_keys (
      user_id uuid primary key references users (id),
      pubkey text not null unique,
      secret_box text not null,
      created_at timestamptz not null default now()
    )`,
    // The item's last signed event: a kind 5 deletion names it, and the next version's created_at is
    // always later (relays keep the newest of a replaceable event, whatever order versions arrive in).
    `create table nostr_listings (
      item_id uuid primary key references items (id),
      pubkey text not null,
      event_id text not null,
      kind integer not null,
      created_at bigint not null
    )`,
    // A publish owed to one relay: replaced by the item's next version while undelivered, so a relay
    // never gets a stale version after a newer one from the same row.
    `create table nostr_deliveries (
      item_id uuid not null references items (id),
      relay text not null,
      event_id text not null,
      event jsonb not null,
      attempts integer not null default 0,
      due_at timestamptz not null default now(),
      leased_until timestamptz,
      sent_at timestamptz,
      last_error text,
      primary key (item_id, relay)
    )`,
    "create index nostr_deliveries_due on nostr_deliveries (due_at) where sent_at is null",
    "insert into outbox_readers (name, position) select 'nostr', coalesce(max(position), 0) from outbox",
  ],
};
