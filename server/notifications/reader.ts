import type { Bus, OutboxEntry } from "../bus.js";
import type { OutboxReader } from "../outbox/readers.js";
import { queueNotificationEmails, queueVerificationEmail } from "./email-queue.js";
import {
  countUnreadOf,
  insertNotifications,
  type StoredNotification,
  upsertMessageNotifications,
} from "./store.js";
import { TRIGGERS } from "./triggers.js";

/** The outbox entry of a new address to verify (PATCH /api/me, a resend): internal, no notification. */
export const EMAIL_VERIFICATION = "user.email_verification";

/**
 * A batch's chat messages by one author in one conversation become one entry (the last, with `count`):
 * a busy room costs one notification write per author and batch, not one per message.
 */
export function collapseMessages(entries: OutboxEntry[]): OutboxEntry[] {
  const last = new Map<string, { entry: OutboxEntry; count: number }>();
  const rest: OutboxEntry[] = [];
  for (const entry of entries) {
    if (entry.type !== "message.created") {
      rest.push(entry);
      continue;
    }
    const key = `${entry.resource.type}:${entry.resource.id}/${String(entry.data.authorId)}`;
    last.set(key, { entry, count: (last.get(key)?.count ?? 0) + 1 });
  }
  return [
    ...rest,
    ...[...last.values()].map(({ entry, count }) => ({ ...entry, data: { ...entry.data, count } })),
  ];
}

/**
 * The outbox's notifications reader: turns entries into stored notifications (triggers.ts) and, with
 * SMTP configured, queues their emails, all in the transaction that moves the reader past them; after
 * commit, pushes each notification to its user's sockets (every process, through the adapter).
 */
export function createNotificationsReader(deps: {
  bus: Bus;
  /** Null without SMTP_URL: nothing is queued, so nothing is ever sent. */
  email: { coalesceSeconds: number } | null;
}): OutboxReader {
  const { bus, email } = deps;
  // What the current transaction created, and its users' unread counts then; readers run one batch at a
  // time per process.
  let created: StoredNotification[] = [];
  let unread = new Map<string, number>();
  return {
    name: "notifications",
    types: [...Object.keys(TRIGGERS), EMAIL_VERIFICATION],
    async handle(tx, entries) {
      created = [];
      for (const entry of collapseMessages(entries)) {
        if (entry.type === EMAIL_VERIFICATION) {
          if (email && typeof entry.data.userId === "string")
            await queueVerificationEmail(tx, entry.data.userId);
          continue;
        }
        const trigger = TRIGGERS[entry.type];
        if (!trigger) continue;
        for (const plan of await trigger(tx, entry)) {
          created.push(
            ...(plan.kind === "message"
              ? await upsertMessageNotifications(tx, plan.userIds, plan.conversation, plan.notification)
              : await insertNotifications(tx, plan.userIds, plan.notification)),
          );
        }
      }
      if (email) await queueNotificationEmails(tx, created, email.coalesceSeconds);
      unread = await countUnreadOf(
        tx,
        created.map((stored) => stored.userId),
      );
    },
    afterCommit() {
      for (const { userId, notification } of created) {
        bus.emit("notification.created", { userId, notification, unread: unread.get(userId) ?? 0 });
      }
      created = [];
    },
  };
}
