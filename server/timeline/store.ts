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
};

const SELECT_EVENTS = `
  select e.item_id, e.seq, e.type, e.body, e.created_at, e.hidden, e.hidden_reason, e.hidden_at,
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

/** Appends with the next seq; the update takes the item's row lock until the transaction ends. */
export async function insertEvent(tx: Queryable, itemId: string, event: NewEvent): Promise<ItemEvent> {
  const [next] = await tx.query<{ last_seq: number }>(
    "update items set last_seq = last_seq + 1, last_event_at = now() where id = $1 returning last_seq",
    [itemId],
  );
  if (!next) throw new Error(`insertEvent: no item ${itemId}`);
  const [row] = await tx.query<{ created_at: Date }>(
    `insert into events (item_id, seq, type, author_id, body, client_message_id)
     values ($1, $2, $3, $4, $5, $6) returning created_at`,
    [
      itemId,
      next.last_seq,
      event.type,
      event.author?.id ?? null,
      JSON.stringify(event.body),
      event.clientMessageId ?? null,
    ],
  );
  return {
    itemId,
    seq: next.last_seq,
    type: event.type,
    author: event.author,
    body: event.body,
    createdAt: row!.created_at.toISOString(),
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

export async function findEventByClientId(
  q: Queryable,
  authorId: string,
  clientMessageId: string,
): Promise<ItemEvent | null> {
  const [row] = await q.query<EventRow>(
    `${SELECT_EVENTS} where e.author_id = $1 and e.client_message_id = $2`,
    [authorId, clientMessageId],
  );
  return row ? toEvent(row) : null;
}
