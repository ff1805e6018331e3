import type { Migration } from "./index.js";

/**
 * Auctions: an item sold by auction has an `auctions` row (its terms and its running state, kept under
 * the item's row lock) and `bids` (every accepted maximum). Timers may now belong to an item instead of a
 * deal: an auction's close is an item timer, fired exactly once like a deal's (docs/adr/0004).
 */
export const auctions: Migration = {
  version: "0070-auctions",
  statements: [
    `create table auctions (
      item_id uuid primary key references items (id),
      starting_bid integer not null,
      reserve_amount integer,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      soft_close_seconds integer not null,
      current_price integer,
      leader_id uuid references users (id),
      bid_count integer not null default 0,
      ended_at timestamptz,
      -- The second chance was offered (it is offered once).
      second_chance_at timestamptz
    )`,
    "create index auctions_ending on auctions (ends_at) where ended_at is null",
    `create table bids (
      id uuid primary key,
      n bigint generated always as identity,
      item_id uuid not null references items (id),
      bidder_id uuid not null references users (id),
      max_amount integer not null,
      client_bid_id text not null,
      created_at timestamptz not null default now()
    )`,
    "create unique index bids_client on bids (bidder_id, client_bid_id)",
    "create index bids_item on bids (item_id, bidder_id, max_amount desc, n)",
    "alter table timers alter column deal_id drop not null",
    "alter table timers add column item_id uuid references items (id)",
    "alter table timers add constraint timers_owner check ((deal_id is null) <> (item_id is null))",
    "create index timers_item on timers (item_id) where fired_at is null and canceled_at is null",
  ],
};
