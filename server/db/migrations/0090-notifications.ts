import type { Migration } from "./index.js";

export const notifications: Migration = {
  version: "0090-notifications",
  statements: [
    // Written by the notifications reader of the outbox only (never in a request). `conversation` is set
    // on message notifications ('item:<id>', 'deal:<id>'): one unread row per user and conversation,
    // updated by each new message (the partial unique index below), a fresh row once it was read.
    // `position` orders them newest first, taken anew when a message updates its row: clocks tie (the
    // embedded database's clock ticks by the millisecond), a sequence never does.
    "create sequence notifications_position",
    `create table notifications (
      id uuid primary key,
      user_id uuid not null references users (id),
      type text not null,
      title text not null,
      body text not null,
      link text not null,
      data jsonb not null default '{}',
      conversation text,
      read_at timestamptz,
      created_at timestamptz not null default now(),
      position bigint not null default nextval('notifications_position')
    )`,
    "create index notifications_user on notifications (user_id, position desc)",
    "create index notifications_unread on notifications (user_id) where read_at is null",
    `create unique index notifications_open_conversation on notifications (user_id, conversation)
       where read_at is null and conversation is not null`,
    // Email: the verified address (null until its link is followed) and the user's choices per type
    // (only what they changed; the defaults are in shared/notifications.ts).
    "alter table users add column email_verified_at timestamptz",
    "alter table users add column email_preferences jsonb not null default '{}'",
    // Emails to send, written by the reader (and the verification of a new address), sent by a worker:
    // rows are claimed `for update skip locked` and marked sent in that transaction after the SMTP server
    // accepted. `parts` are the notifications one email carries (coalesced per conversation: one unsent
    // row per user and `coalesce_key`, sent no sooner than the window after the last one).
    `create table email_queue (
      id uuid primary key,
      user_id uuid not null references users (id),
      kind text not null check (kind in ('verify', 'notification')),
      coalesce_key text,
      parts jsonb not null default '[]',
      send_after timestamptz not null default now(),
      attempts integer not null default 0,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    "create index email_queue_due on email_queue (send_after) where sent_at is null",
    `create unique index email_queue_open on email_queue (user_id, coalesce_key)
       where sent_at is null and coalesce_key is not null`,
    "create index email_queue_sent on email_queue (user_id, coalesce_key, sent_at desc) where sent_at is not null",
    "insert into outbox_readers (name, position) select 'notifications', coalesce(max(position), 0) from outbox",
  ],
};
