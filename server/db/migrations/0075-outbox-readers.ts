import type { Migration } from "./index.js";

export const outboxReaders: Migration = {
  version: "0075-outbox-readers",
  statements: [
    // How far each reader of the outbox (notifications, webhooks, Nostr) has read, by global position.
    // A reader advances its row in the same transaction as the work the entries caused, with the row
    // locked: every entry is handled once, by one process, and never lost to a crash.
    `create table outbox_readers (
      name text primary key,
      position bigint not null default 0
    )`,
  ],
};
