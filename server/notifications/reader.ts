import type { Bus, OutboxEntry } from "../bus.js";
import type { OutboxReader } from "../outbox/readers.js";
import { queueNotificationEmails, queueVerificationEmail } from "./email-queue.js";
import { countUnreadOf, insertNotifications, notifyMembers, type StoredNotification } from "./store.js";
import { type ChatMessage, TRIGGERS } from "./triggers.js";

/** The outbox entry of a new address to verify (PATCH /api/me, a resend): internal, no notification. */
export const EMAIL_VERIFICATION = "user.email_verification";

/**
 * A batch's chat messages become one entry per conversation (the last, carrying `messages` in order):
 * a busy room costs one lookup and a write or two per reader batch, not per message.
 */
export function collapseMessages(entries: OutboxEntry[]): OutboxEntry[] {
  const byConversation = new Map<string, { entry: OutboxEntry; messages: ChatMessage[] }>();
  const rest: OutboxEntry[] = [];
  for (const entry of entries) {
    if (entry.type !== "message.created") {
      rest.push(entry);
      continue;
    }
    const key = `${entry.resource.type}:${entry.resource.id}`;
    const messages = byConversation.get(key)?.messages ?? [];
    messages.push(entry.data as ChatMessage);
    byConversation.set(key, { entry, messages });
  }
  return [
    ...rest,
    ...[...byConversation.values()].map(({ entry, messages }) => ({
      ...entry,
      data: { ...entry.data, messages },
    })),
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
              ? await notifyMembers(tx, plan.conversation, plan.messages, plan.notification)
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
