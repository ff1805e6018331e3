import type { Migration } from "./index.js";

export const payments: Migration = {
  version: "0002-payments",
  statements: [
    `create table payments (
      id uuid primary key,
      item_id uuid not null references items (id),
      buyer_id uuid not null references users (id),
      status text not null check (status in ('requires_payment', 'processing', 'succeeded', 'failed', 'canceled', 'refunded')),
      provider text not null check (provider in ('simulated', 'stripe')),
      -- Copied from the item row at checkout, in minor units; never from the client.
      amount integer not null check (amount > 0),
      currency text not null,
      -- The processor's id for the charge (a Stripe PaymentIntent id); set right after checkout.
      provider_ref text unique,
      client_secret text,
      failure_code text,
      expires_at timestamptz not null,
      -- For a refunded payment: the processor's refund id once the refund went through; null while
      -- the refund is still owed (the expiry sweeper retries it).
      refund_ref text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    // The hold: at most one payment per item may be open. A declined ('failed') payment still holds
    // the item so that its buyer can try again until the hold expires.
    `create unique index payments_one_open_per_item on payments (item_id)
       where status in ('requires_payment', 'processing', 'failed')`,
    `create index payments_open_by_expiry on payments (expires_at)
       where status in ('requires_payment', 'processing', 'failed')`,
    "create index payments_refunds_owed on payments (updated_at) where status = 'refunded' and refund_ref is null",
    "create index payments_buyer on payments (buyer_id, created_at desc)",
    // Stripe delivers each event at least once; an event id recorded here was handled already.
    `create table processed_webhook_events (
      event_id text primary key,
      type text not null,
      processed_at timestamptz not null default now()
    )`,
  ],
};
