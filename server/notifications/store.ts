import { randomUUID } from "node:crypto";
import type { Conversation, Notification } from "../../shared/notifications.js";
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

/** Who is told of a conversation's messages: a room's seller and everyone who joined it; a deal's two parties. */
const MEMBERS = {
  item: `select user_id from item_members where item_id = $1
         union select seller_id from items where id = $1`,
  deal: "select unnest(array[buyer_id, seller_id]) from deals where id = $1",
};

/**
 * A conversation's new messages (a reader batch's, in order) as message notifications, coalesced per
 * member and conversation, in one statement: each member hears of the messages they did not write (the
 * last of them in the body, how many in the title). A member's unread notice for the conversation is
 * updated (latest preview, that many more messages, moved to the top), else a new one is made. With
 * `firstOnly` (an item's room) an unread notice is left as it is, and members who have one are not
 * even looked at again: a crowded room's messages cost the database one pass over the room's members and
 * its unread notices (hashed, whatever the planner guesses of their sizes: a nested loop over both was
 * quadratic), and this process nothing per member. Returns the notifications written.
 */
export async function notifyMembers(
  tx: Queryable,
  conversation: { type: "item" | "deal"; id: string },
  messages: { seq: number; authorId: string | null; authorName: string | null; preview: string }[],
  n: Pick<NewNotification, "link" | "data"> & { titles: { one: string; many: string }; firstOnly: boolean },
): Promise<StoredNotification[]> {
  if (messages.length === 0) return [];
  const key = `${conversation.type}:${conversation.id}`;
  const count = "(n.data->>'count')::int + (excluded.data->>'count')::int";
  const onConflict = n.firstOnly
    ? "do nothing"
    : `do update set body = excluded.body,
                   data = excluded.data || jsonb_build_object('count', ${count}),
                   title = replace($5, '{count}', (${count})::text),
                   created_at = clock_timestamp(),
                   position = nextval('notifications_position')`;
  const rows = await tx.query<NotificationRow>(
    `with messages as (
       select * from jsonb_to_recordset($2::jsonb) as m(seq int, "authorId" uuid, "authorName" text, preview text)
     ),
     members as (${MEMBERS[conversation.type]}),
     -- With firstOnly, members with an unread notice are set aside first, by a hash of this
     -- conversation's unread notices (one index range): per-member work is then for the others only.
     open as (
       select user_id from members mem(user_id) where user_id is not null
       ${
         n.firstOnly
           ? `except select user_id from notifications where conversation = $3 and read_at is null`
           : ""
       }
     ),
     news as (
       select open.user_id, theirs.count, last.seq, last."authorId", last."authorName", last.preview
         from open
        cross join lateral (
          select count(*)::int as count from messages m where m."authorId" is distinct from open.user_id
        ) theirs
         join lateral (
          select m.* from messages m where m."authorId" is distinct from open.user_id
           order by m.seq desc limit 1
        ) last on true
     )
     insert into notifications as n (id, user_id, type, title, body, link, data, conversation, created_at)
     select gen_random_uuid(), news.user_id, 'message.received',
            case when news.count = 1 then $4 else replace($5, '{count}', news.count::text) end,
            coalesce(news."authorName", 'Someone') || ': ' || news.preview,
            $6, $7::jsonb || jsonb_build_object('seq', news.seq, 'authorId', news."authorId", 'count', news.count),
            $3, clock_timestamp()
       from news
     on conflict (user_id, conversation) where read_at is null and conversation is not null
     ${onConflict}
     returning ${COLUMNS}`,
    [
      conversation.id,
      JSON.stringify(messages),
      key,
      n.titles.one,
      n.titles.many,
      n.link,
      JSON.stringify(n.data),
    ],
    // After every reader batch with a chat message in it: planned once.
    { prepared: true },
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

/** Unread counts of several users at once (0 for those with none). */
export async function countUnreadOf(q: Queryable, userIds: string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await q.query<{ user_id: string; n: number | string }>(
    `select user_id, count(*) as n from notifications
      where user_id = any($1::uuid[]) and read_at is null group by user_id`,
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((row) => [row.user_id, Number(row.n)]));
}

/**
 * Newest first (by `position`, which a new message in a coalesced conversation takes anew); `after` is
 * the id of the previous page's last row.
 */
export async function listNotifications(
  q: Queryable,
  userId: string,
  options: { unreadOnly: boolean; after: string | null; limit: number },
): Promise<Notification[]> {
  const rows = await q.query<NotificationRow>(
    `select ${COLUMNS} from notifications
      where user_id = $1 and ($2::boolean is false or read_at is null)
        and ($3::uuid is null or position < (select c.position from notifications c
                                             where c.id = $3::uuid and c.user_id = $1))
      order by position desc
      limit $4`,
    [userId, options.unreadOnly, options.after, options.limit],
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

/**
 * The user's conversations, most recently active first: the item rooms they joined, and their own items'
 * rooms once someone wrote there (unread: events by others after their read mark, as `GET /api/me/rooms`
 * counts) and their deals' threads (unread: the messages their
 * unread notification for the thread counts).
 */
export async function listConversations(
  q: Queryable,
  userId: string,
  limit: number,
): Promise<Conversation[]> {
  const rows = await q.query<{
    kind: "item" | "deal";
    id: string;
    title: string;
    at: Date;
    unread: number | string;
  }>(
    `select 'item' as kind, i.id, i.title, i.last_event_at as at,
            (select count(*) from events e
              where e.item_id = i.id and e.seq > coalesce(m.last_read_seq, 0)
                and (e.author_id is null or e.author_id <> $1)) as unread
       from items i left join item_members m on m.item_id = i.id and m.user_id = $1
      where i.status <> 'removed'
        and (m.user_id is not null
             or (i.seller_id = $1 and exists (select 1 from events e where e.item_id = i.id and e.type = 'text')))
     union all
     select 'deal' as kind, d.id, i.title, d.updated_at as at,
            coalesce((select (n.data->>'count')::int from notifications n
                       where n.user_id = $1 and n.conversation = 'deal:' || d.id and n.read_at is null), 0) as unread
       from deals d join items i on i.id = d.item_id
      where d.buyer_id = $1 or d.seller_id = $1
      order by at desc
      limit $2`,
    [userId, limit],
  );
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    title: row.title,
    link: `/${row.kind === "item" ? "items" : "deals"}/${row.id}`,
    unread: Number(row.unread),
    lastActivityAt: row.at.toISOString(),
  }));
}
