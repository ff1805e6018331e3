import type { Migration } from "./index.js";

/**
 * Deals (one buyer's transaction on one item, run by a process), their private threads, durable timers
 * and the outbox. Payments now belong to a deal. Existing payments get a buy-now deal each, so a store
 * upgraded mid-checkout keeps its holds (their expiry becomes a timer).
 */
export const deals: Migration = {
  version: "0010-deals",
  statements: [
    `create table deals (
      id uuid primary key,
      item_id uuid not null references items (id),
      process text not null,
      state text not null,
      buyer_id uuid not null references users (id),
      seller_id uuid not null references users (id),
      quantity integer not null default 1 check (quantity > 0),
      unit_amount integer not null check (unit_amount > 0),
      currency text not null,
      total_amount integer not null check (total_amount > 0),
      -- The deal's current payment (a retry after a cancel is a new deal, so one is enough).
      payment_id uuid references payments (id),
      -- The seq of the private thread's latest event, as items.last_seq.
      last_seq integer not null default 0,
      created_at timestamptz not null default now(),
      -- The latest transition or thread message: "newest activity first".
      updated_at timestamptz not null default now()
    )`,
    "create index deals_buyer on deals (buyer_id, updated_at desc, id desc)",
    "create index deals_seller on deals (seller_id, updated_at desc, id desc)",
    "create index deals_activity on deals (updated_at desc, id desc)",
    "create index deals_item on deals (item_id)",
    "alter table payments add column deal_id uuid references deals (id)",
    `create table deal_events (
      deal_id uuid not null references deals (id),
      seq integer not null check (seq > 0),
      type text not null,
      author_id uuid references users (id),
      body jsonb not null,
      client_message_id text,
      created_at timestamptz not null default now(),
      primary key (deal_id, seq)
    )`,
    `create unique index deal_events_client_message on deal_events (author_id, client_message_id)
       where client_message_id is not null`,
    // A system transition due at fire_at. Fired (or canceled, when the deal left the state) exactly once:
    // see docs/adr/0004-deal-engine.md.
    `create table timers (
      id uuid primary key,
      deal_id uuid not null references deals (id),
      transition text not null,
      fire_at timestamptz not null,
      -- A sweeper that took the timer; another skips it until then (the claimer died: take it over).
      claimed_until timestamptz,
      fired_at timestamptz,
      canceled_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    "create index timers_due on timers (fire_at) where fired_at is null and canceled_at is null",
    "create index timers_deal on timers (deal_id) where fired_at is null and canceled_at is null",
    // Written in the transaction of the change it announces; position is given at drain time, under
    // one lock, so positions follow commit order and a reader never skips a late commit.
    `create table outbox (
      id bigint generated always as identity primary key,
      position bigint unique,
      type text not null,
      resource_type text not null,
      resource_id uuid not null,
      data jsonb not null,
      created_at timestamptz not null default now()
    )`,
    "create index outbox_undrained on outbox (id) where position is null",
    // Every existing payment becomes a buy-now deal.
    `insert into deals (id, item_id, process, state, buyer_id, seller_id, unit_amount, currency, total_amount,
                        payment_id, created_at, updated_at)
     select gen_random_uuid(), p.item_id, 'buy-now',
            case p.status when 'succeeded' then 'paid'
                          when 'canceled' then 'canceled'
                          when 'refunded' then 'canceled'
                          else 'reserved' end,
            p.buyer_id, i.seller_id, p.amount, p.currency, p.amount, p.id, p.created_at, p.updated_at
     from payments p join items i on i.id = p.item_id`,
    "update payments p set deal_id = d.id from deals d where d.payment_id = p.id",
    `insert into timers (id, deal_id, transition, fire_at)
     select gen_random_uuid(), d.id, 'expire', p.expires_at
     from deals d join payments p on p.id = d.payment_id where d.state = 'reserved'`,
  ],
};
