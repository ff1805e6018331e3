import type { Migration } from "./index.js";

export const init: Migration = {
  version: "0001-init",
  statements: [
    `create table users (
      id uuid primary key,
      username text not null unique,
      display_name text not null,
      role text not null check (role in ('seller', 'buyer', 'moderator')),
      password_hash text not null,
      -- Every token carries the version it was issued under; bumping it revokes them all.
      token_version integer not null default 0,
      suspended_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    `create table items (
      id uuid primary key,
      -- Insertion order: the newest-first listing and its cursor.
      position bigint generated always as identity unique,
      seller_id uuid not null references users (id),
      title text not null,
      description text not null,
      price_amount integer not null check (price_amount > 0),
      price_currency text not null,
      image_url text,
      status text not null default 'available' check (status in ('available', 'reserved', 'sold', 'removed')),
      -- The seq of the item's latest event; the next event takes last_seq + 1 under this row's lock.
      last_seq integer not null default 0,
      -- When the latest event was written: "most recent activity" for moderators.
      last_event_at timestamptz not null default now(),
      search tsvector generated always as (to_tsvector('simple', title || ' ' || description)) stored,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    "create index items_listing on items (status, position desc)",
    "create index items_seller on items (seller_id, position desc)",
    "create index items_price on items (price_amount)",
    "create index items_search on items using gin (search)",
    `create table events (
      item_id uuid not null references items (id),
      seq integer not null check (seq > 0),
      type text not null,
      author_id uuid references users (id),
      body jsonb not null,
      client_message_id text,
      created_at timestamptz not null default now(),
      primary key (item_id, seq)
    )`,
    "create unique index events_client_message on events (author_id, client_message_id) where client_message_id is not null",
    `create table item_members (
      item_id uuid not null references items (id),
      user_id uuid not null references users (id),
      joined_at timestamptz not null default now(),
      last_read_seq integer not null default 0,
      primary key (item_id, user_id)
    )`,
    "create index item_members_user on item_members (user_id)",
  ],
};
