import type { Queryable } from "../db/db.js";

/** Joining an item's room makes each user a member of its conversation (once), in one statement. */
export async function addMembers(q: Queryable, itemId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await q.query(
    `insert into item_members (item_id, user_id)
     select $1, user_id from unnest($2::uuid[]) as user_id
     on conflict do nothing`,
    [itemId, userIds],
  );
}

export type MembershipRow = { itemId: string; lastReadSeq: number; unread: number };

/** The items the user has joined, most recently active first, with their unread counts. */
export async function listMemberships(q: Queryable, userId: string, limit: number): Promise<MembershipRow[]> {
  const rows = await q.query<{ item_id: string; last_read_seq: number; unread: number | string }>(
    `select m.item_id, m.last_read_seq,
            (select count(*) from events e
              where e.item_id = m.item_id and e.seq > m.last_read_seq
                and (e.author_id is null or e.author_id <> m.user_id)) as unread
       from item_members m join items i on i.id = m.item_id
      where m.user_id = $1 and i.status <> 'removed'
      order by i.last_event_at desc
      limit $2`,
    [userId, limit],
  );
  return rows.map((row) => ({
    itemId: row.item_id,
    lastReadSeq: row.last_read_seq,
    unread: Number(row.unread),
  }));
}

/** Moves the read mark forward (never back, never past the last event); null if the user is not a member. */
export async function markRead(
  q: Queryable,
  itemId: string,
  userId: string,
  seq: number,
): Promise<number | null> {
  const [row] = await q.query<{ last_read_seq: number }>(
    `update item_members m
        set last_read_seq = greatest(m.last_read_seq, least($3, i.last_seq))
       from items i
      where m.item_id = $1 and m.user_id = $2 and i.id = m.item_id
      returning m.last_read_seq`,
    [itemId, userId, seq],
  );
  return row ? row.last_read_seq : null;
}

/** The items a user has joined, most recently active first: their rooms for `room:activity`. */
export async function listMemberItemIds(q: Queryable, userId: string, limit: number): Promise<string[]> {
  const rows = await q.query<{ item_id: string }>(
    `select m.item_id from item_members m join items i on i.id = m.item_id
      where m.user_id = $1 and i.status <> 'removed'
      order by i.last_event_at desc limit $2`,
    [userId, limit],
  );
  return rows.map((row) => row.item_id);
}
