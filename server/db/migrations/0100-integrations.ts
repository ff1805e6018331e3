import type { Migration } from "./index.js";

/**
 * Integrations (issue 15): API keys, the feed's stable event ids, webhook endpoints and their deliveries,
 * and the `webhooks` outbox reader, starting at the outbox's end now (it announces what comes after).
 */
export const integrations: Migration = {
  version: "0100-integrations",
  statements: [
    // The feed's `id` and a webhook's `webhook-id`: stable, given when the entry is written.
    "alter table outbox add column event_id uuid not null default gen_random_uuid()",
    // Only a hash of each key is kept; `prefix` names it in listings and to `apikey:revoke`.
    `create table api_keys (
      id uuid primary key,
      name text not null,
      prefix text not null unique,
      key_hash text not null unique,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`,
    // `secret` signs every delivery, so it is kept as given (see docs/INTEGRATIONS.md, security).
    // `failing_since`: the first failure since the last success; five days of it disable the endpoint.
    `create table webhook_endpoints (
      id uuid primary key,
      url text not null,
      types jsonb not null,
      secret text not null,
      api_key_id uuid references api_keys (id),
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      disabled_at timestamptz,
      disabled_reason text,
      failing_since timestamptz
    )`,
    // One row per endpoint per feed event, written by the reader in the transaction that moves it past
    // the event (unique: never twice); `body` is the exact JSON posted and signed at every attempt.
    `create table webhook_deliveries (
      id uuid primary key,
      endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
      event_id uuid not null,
      position bigint not null,
      event_type text not null,
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      claimed_until timestamptz,
      last_attempt_at timestamptz,
      last_status int,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (endpoint_id, event_id)
    )`,
    "create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'",
    "create index webhook_deliveries_recent on webhook_deliveries (endpoint_id, position desc)",
    "insert into outbox_readers (name, position) select 'webhooks', coalesce(max(position), 0) from outbox",
  ],
};
