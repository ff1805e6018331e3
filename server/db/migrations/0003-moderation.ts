import type { Migration } from "./index.js";

export const moderation: Migration = {
  version: "0003-moderation",
  statements: [
    // The timeline stays append-only: hide and restore are `custom:moderation` events. These columns
    // project their latest state onto the target event, so reads need no replay.
    "alter table events add column hidden boolean not null default false",
    "alter table events add column hidden_reason text",
    "alter table events add column hidden_at timestamptz",
    `create table reports (
      id uuid primary key,
      reporter_id uuid not null references users (id),
      item_id uuid not null references items (id),
      -- The reported event; null reports the whole item.
      seq integer,
      reason text not null,
      status text not null default 'open' check (status in ('open', 'resolved')),
      created_at timestamptz not null default now(),
      resolved_at timestamptz,
      resolved_by uuid references users (id),
      resolution text,
      foreign key (item_id, seq) references events (item_id, seq)
    )`,
    "create index reports_queue on reports (status, created_at)",
    `create table audit_log (
      id uuid primary key,
      -- Insertion order: the newest-first listing and its cursor.
      position bigint generated always as identity unique,
      moderator_id uuid not null references users (id),
      action text not null,
      target jsonb not null,
      reason text not null,
      created_at timestamptz not null default now()
    )`,
    "create index items_activity on items (last_event_at desc)",
  ],
};
