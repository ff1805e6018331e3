import { randomUUID } from "node:crypto";
import type { Notification } from "../../shared/notifications.js";
import type { Queryable } from "../db/db.js";

/** A notification to create, before it has an id. */
export type NewNotification = {
  type: string;
  title: string;
  body: string;
  link: string;
  data: Record<string, unknown>;
};

/** A stored notification with its recipient and conversation (for live pushes and email). */
export type StoredNotification = { userId: string; conversation: string | null; notification: Notification };

type NotificationRow = {
  id: string;
  user_id: string;
  type: string;
  title: string;
  body: string;
  link: string;
  data: Record<string, unknown>;
  conversation: string | null;
  read_at: Date | null;
  created_at: Date;
};

const COLUMNS = "id, user_id, type, title, body, link, data, conversation, read_at, created_at";

function toStored(row: NotificationRow): StoredNotification {
  return {
    userId: row.user_id,
    conversation: row.conversation,
    notification: {
      id: row.id,
      type: row.type,
      title: row.title,
      body: row.body,
      link: row.link,
      data: row.data,
      readAt: row.read_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
    },
  };
}

/** The same notification for each recipient, in one statement. */
export async function insertNotifications(
  tx: Queryable,
  userIds: string[],
  n: NewNotification,
): Promise<StoredNotification[]> {
  if (userIds.length === 0) return [];
  const rows = await tx.query<NotificationRow>(
    `insert into notifications (id, user_id, type, title, body, link, data, created_at)
     select x.id, x.user_id, $2, $3, $4, $5, $6, clock_timestamp()
     from jsonb_to_recordset($1::jsonb) as x(id uuid, user_id uuid)
     returning ${COLUMNS}`,
    [
      JSON.stringify(userIds.map((userId) => ({ id: randomUUID(), user_id: userId }))),
      n.type,
      n.title,
      n.body,
      n.link,
      JSON.stringify(n.data),
    ],
  );
  return rows.map(toStored);
}

/**
 * A message notification for each recipient, coalesced per conversation: the recipient's unread one for
 * this conversation is updated (latest preview, one more message, moved to the top), else a new one.
 * `titles.many` words the title for `{count}` unread messages.
 */
export async function upsertMessageNotifications(
  tx: Queryable,
  userIds: string[],
  conversation: string,
  n: Omit<NewNotification, "type" | "title"> & { titles: { one: string; many: string } },
): Promise<StoredNotification[]> {
  if (userIds.length === 0) return [];
  const rows = await tx.query<NotificationRow>(
    `insert into notifications as n (id, user_id, type, title, body, link, data, conversation, created_at)
     select x.id, x.user_id, 'message.received', $2, $3, $4, $5::jsonb || '{"count": 1}', $6, clock_timestamp()
     from jsonb_to_recordset($1::jsonb) as x(id uuid, user_id uuid)
     on conflict (user_id, conversation) where read_at is null and conversation is not null
     do update set body = excluded.body,
                   data = excluded.data || jsonb_build_object('count', (n.data->>'count')::int + 1),
                   title = replace($7, '{count}', ((n.data->>'count')::int + 1)::text),
                   created_at = clock_timestamp()
     returning ${COLUMNS}`,
    [
      JSON.stringify(userIds.map((userId) => ({ id: randomUUID(), user_id: userId }))),
      n.titles.one,
      n.body,
      n.link,
      JSON.stringify(n.data),
      conversation,
      n.titles.many,
    ],
  );
  return rows.map(toStored);
}

export async function countUnread(q: Queryable, userId: string): Promise<number> {
  const [row] = await q.query<{ n: number | string }>(
    "select count(*) as n from notifications where user_id = $1 and read_at is null",
    [userId],
  );
  return Number(row?.n ?? 0);
}

/** Newest first; `after` is the last row of the previous page (its time and id). */
export async function listNotifications(
  q: Queryable,
  userId: string,
  options: { unreadOnly: boolean; after: { createdAt: string; id: string } | null; limit: number },
): Promise<Notification[]> {
  const rows = await q.query<NotificationRow>(
    `select ${COLUMNS} from notifications
      where user_id = $1 and ($2::boolean is false or read_at is null)
        and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
      order by created_at desc, id desc
      limit $5`,
    [userId, options.unreadOnly, options.after?.createdAt ?? null, options.after?.id ?? null, options.limit],
  );
  return rows.map((row) => toStored(row).notification);
}

/** Marks the user's notifications read (theirs only: others' ids change nothing). */
export async function markNotificationsRead(
  q: Queryable,
  userId: string,
  ids: string[] | "all",
): Promise<void> {
  await q.query(
    `update notifications set read_at = now()
      where user_id = $1 and read_at is null and ($2::uuid[] is null or id = any($2::uuid[]))`,
    [userId, ids === "all" ? null : ids],
  );
}

/** Marks read the user's unread notification of a conversation (they opened it). */
export async function markConversationRead(
  q: Queryable,
  userId: string,
  conversation: string,
): Promise<void> {
  await q.query(
    "update notifications set read_at = now() where user_id = $1 and conversation = $2 and read_at is null",
    [userId, conversation],
  );
}
