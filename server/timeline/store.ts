import type { ItemEvent } from "../../shared/events.js";
import type { Queryable } from "../db/db.js";
import type { NewEvent } from "./timeline.js";

type EventRow = {
  item_id: string;
  seq: number;
  type: string;
  body: Record<string, unknown>;
  created_at: Date;
  author_id: string | null;
  author_username: string | null;
  author_display_name: string | null;
  author_role: "seller" | "buyer" | "moderator" | null;
  hidden: boolean;
  hidden_reason: string | null;
  hidden_at: Date | null;
  client_message_id: string | null;
};

const SELECT_EVENTS = `
  select e.item_id, e.seq, e.type, e.body, e.created_at, e.hidden, e.hidden_reason, e.hidden_at, e.client_message_id,
         u.id as author_id, u.username as author_username, u.display_name as author_display_name, u.role as author_role
  from events e left join users u on u.id = e.author_id`;

function toEvent(row: EventRow): ItemEvent {
  return {
    itemId: row.item_id,
    seq: row.seq,
    type: row.type,
    author:
      row.author_id && row.author_username && row.author_display_name && row.author_role
        ? {
            id: row.author_id,
            username: row.author_username,
            displayName: row.author_display_name,
            role: row.author_role,
          }
        : null,
    body: row.body,
    createdAt: row.created_at.toISOString(),
    // The raw truth; `presentEvent` (moderation/redaction.ts) decides who may see it.
    ...(row.hidden
      ? {
          moderation: {
            hidden: true as const,
            reason: row.hidden_reason ?? "",
            hiddenAt: (row.hidden_at ?? row.created_at).toISOString(),
          },
        }
      : {}),
  };
}

/** Events with `seq > after`, oldest first. */
export async function listEvents(
  q: Queryable,
  itemId: string,
  after: number,
  limit: number,
): Promise<ItemEvent[]> {
  const rows = await q.query<EventRow>(
    `${SELECT_EVENTS} where e.item_id = $1 and e.seq > $2 order by e.seq limit $3`,
    [itemId, after, limit],
  );
  return rows.map(toEvent);
}

/** One event by its seq; with `forUpdate`, its row stays locked until the transaction ends. */
export async function getEvent(
  q: Queryable,
  itemId: string,
  seq: number,
  options: { forUpdate?: boolean } = {},
): Promise<ItemEvent | null> {
  const [row] = await q.query<EventRow>(
    `${SELECT_EVENTS} where e.item_id = $1 and e.seq = $2${options.forUpdate ? " for update of e" : ""}`,
    [itemId, seq],
  );
  return row ? toEvent(row) : null;
}

/** The first event of each `(author, clientMessageId)` pair that exists, keyed `author/clientMessageId`. */
export async function findEventsByClientIds(
  q: Queryable,
  keys: { authorId: string; clientMessageId: string }[],
): Promise<Map<string, ItemEvent>> {
  const found = new Map<string, ItemEvent>();
  if (keys.length === 0) return found;
  const rows = await q.query<EventRow>(
    `${SELECT_EVENTS}
     join jsonb_to_recordset($1::jsonb) as k(author_id uuid, client_message_id text)
       on k.author_id = e.author_id and k.client_message_id = e.client_message_id`,
    [
      JSON.stringify(
        keys.map((key) => ({ author_id: key.authorId, client_message_id: key.clientMessageId })),
      ),
    ],
  );
  for (const row of rows) found.set(`${row.author_id}/${row.client_message_id}`, toEvent(row));
  return found;
}

/**
 * Appends many events to many items in three statements, whatever their number: the items' `last_seq`
 * grow by their count of new events (under the row locks, which the caller holds) and the events are
 * inserted with consecutive seqs in the given order.
 */
export async function insertEvents(
  tx: Queryable,
  entries: { itemId: string; event: NewEvent }[],
): Promise<ItemEvent[]> {
  if (entries.length === 0) return [];
  const counts = new Map<string, number>();
  for (const { itemId } of entries) counts.set(itemId, (counts.get(itemId) ?? 0) + 1);
  const bumped = await tx.query<{ id: string; last_seq: number }>(
    `update items i set last_seq = i.last_seq + x.k, last_event_at = now()
     from jsonb_to_recordset($1::jsonb) as x(id uuid, k int)
     where i.id = x.id
     returning i.id, i.last_seq`,
    [JSON.stringify([...counts].map(([id, k]) => ({ id, k })))],
  );
  const next = new Map(bumped.map((row) => [row.id, row.last_seq - counts.get(row.id)! + 1]));
  const numbered = entries.map(({ itemId, event }) => {
    const seq = next.get(itemId);
    if (seq === undefined) throw new Error(`insertEvents: no item ${itemId}`);
    next.set(itemId, seq + 1);
    return { itemId, seq, event };
  });
  const inserted = await tx.query<{ item_id: string; seq: number; created_at: Date }>(
    `insert into events (item_id, seq, type, author_id, body, client_message_id)
     select x.item_id, x.seq, x.type, x.author_id, x.body, x.client_message_id
     from jsonb_to_recordset($1::jsonb)
       as x(item_id uuid, seq int, type text, author_id uuid, body jsonb, client_message_id text)
     returning item_id, seq, created_at`,
    [
      JSON.stringify(
        numbered.map(({ itemId, seq, event }) => ({
          item_id: itemId,
          seq,
          type: event.type,
          author_id: event.author?.id ?? null,
          body: event.body,
          client_message_id: event.clientMessageId ?? null,
        })),
      ),
    ],
  );
  const createdAt = new Map(
    inserted.map((row) => [`${row.item_id}/${row.seq}`, row.created_at.toISOString()]),
  );
  return numbered.map(({ itemId, seq, event }) => ({
    itemId,
    seq,
    type: event.type,
    author: event.author,
    body: event.body,
    createdAt: createdAt.get(`${itemId}/${seq}`)!,
  }));
}
