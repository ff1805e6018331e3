import { randomUUID } from "node:crypto";
import { DEFAULT_EMAIL_PREFERENCES, type EmailPreferenceKey } from "../../shared/notifications.js";
import type { Queryable } from "../db/db.js";
import type { StoredNotification } from "./store.js";

/** The preference that decides whether a notification is emailed: room messages have their own. */
export function preferenceKey(type: string, conversation: string | null): EmailPreferenceKey | null {
  if (type === "message.received" && conversation?.startsWith("item:")) return "message.received.room";
  return type in DEFAULT_EMAIL_PREFERENCES ? (type as EmailPreferenceKey) : null;
}

/** The conversation an email is coalesced in: a room, a deal (its messages and steps), an item, a search. */
function coalesceKey(stored: StoredNotification): string | null {
  if (stored.conversation) return stored.conversation;
  const data = stored.notification.data;
  if (typeof data.dealId === "string") return `deal:${data.dealId}`;
  if (stored.notification.type === "moderation.action") return null;
  if (typeof data.itemId === "string") return `item:${data.itemId}`;
  return null;
}

/** One part of a queued email: the notification (read again when sending) and its preference. */
export type EmailPart = { notificationId: string; key: EmailPreferenceKey };

/**
 * Queues the email of each notification whose user has a verified address and wants this type, inside the
 * reader's transaction. A conversation's notifications join its unsent email; a new one waits until
 * `coalesceSeconds` after the conversation's last email.
 */
export async function queueNotificationEmails(
  tx: Queryable,
  created: StoredNotification[],
  coalesceSeconds: number,
): Promise<void> {
  for (const stored of created) {
    const key = preferenceKey(stored.notification.type, stored.conversation);
    if (!key) continue;
    const part: EmailPart = { notificationId: stored.notification.id, key };
    await queueEmailPart(tx, stored.userId, coalesceKey(stored), part, coalesceSeconds);
  }
}

/**
 * Queues one part for the user (if their address is verified and they want its type): it joins the
 * conversation's unsent email, or starts one that waits until `coalesceSeconds` after the conversation's
 * last email. The reader queues every part this way; the mailer queues again, this way, the parts that
 * joined an email while it was being sent.
 */
export async function queueEmailPart(
  tx: Queryable,
  userId: string,
  group: string | null,
  part: EmailPart,
  coalesceSeconds: number,
): Promise<void> {
  await tx.query(
    `insert into email_queue (id, user_id, kind, coalesce_key, parts, send_after)
     select $1, u.id, 'notification', $3, jsonb_build_array($4::jsonb),
            greatest(now(), coalesce((select max(q.sent_at) from email_queue q
                                       where q.user_id = u.id and q.coalesce_key = $3 and q.sent_at is not null),
                                      '-infinity') + make_interval(secs => $7))
       from users u
      where u.id = $2 and u.email is not null and u.email_verified_at is not null
        and coalesce((u.email_preferences ->> $5)::boolean, $6)
     on conflict (user_id, coalesce_key) where sent_at is null and coalesce_key is not null
     do update set parts = email_queue.parts || excluded.parts`,
    [
      randomUUID(),
      userId,
      group,
      JSON.stringify(part),
      part.key,
      DEFAULT_EMAIL_PREFERENCES[part.key],
      coalesceSeconds,
    ],
  );
}

/** Queues the verification email of the user's address (unless it is verified, or one is waiting). */
export async function queueVerificationEmail(tx: Queryable, userId: string): Promise<void> {
  await tx.query(
    `insert into email_queue (id, user_id, kind, coalesce_key)
     select $1, id, 'verify', 'verify' from users
      where id = $2 and email is not null and email_verified_at is null
     on conflict (user_id, coalesce_key) where sent_at is null and coalesce_key is not null do nothing`,
    [randomUUID(), userId],
  );
}
