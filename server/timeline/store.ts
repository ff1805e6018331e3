import { type DealEvent, type ItemEvent, parseEventBody, type TimelineEvent } from "../../shared/events.js";
import type { Queryable } from "../db/db.js";
import type { OutboxWrite } from "../outbox/outbox.js";
import type { NewEvent } from "./timeline.js";

/** The columns every stored event has, whatever its conversation. */
type Stored = Omit<ItemEvent, "itemId">;

/**
 * A kind of conversation: where its events live and which row owns its seq counter. An item's public
 * room and a deal's private thread are both conversations: seqs 1, 2, 3… per owner with no gaps, taken
 * under the owner's row lock.
 */
export type ConversationKind<E extends TimelineEvent> = {
  readonly events: "events" | "deal_events";
  readonly owners: "items" | "deals";
  readonly column: "item_id" | "deal_id";
  /** What else a new event changes on its owner's row ("latest activity"). */
  readonly touch: string;
  /** Only item events can be hidden by moderators. */
  readonly hideable: boolean;
  make(ownerId: string, stored: Stored): E;
};

export const ITEM_EVENTS: ConversationKind<ItemEvent> = {
  events: "events",
  owners: "items",
  column: "item_id",
  touch: "last_event_at = now()",
  hideable: true,
  make: (itemId, stored) => ({ itemId, ...stored }),
};

export const DEAL_EVENTS: ConversationKind<DealEvent> = {
  events: "deal_events",
  owners: "deals",
  column: "deal_id",
  touch: "updated_at = now()",
  hideable: false,
  make: (dealId, stored) => ({ dealId, ...stored }) as DealEvent,
};

type EventRow = {
  owner_id: string;
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

const selectEvents = (kind: Pick<ConversationKind<TimelineEvent>, "column" | "events" | "hideable">) => `
  select e.${kind.column} as owner_id, e.seq, e.type, e.body, e.created_at, e.client_message_id,
         ${kind.hideable ? "e.hidden, e.hidden_reason, e.hidden_at" : "false as hidden, null as hidden_reason, null::timestamptz as hidden_at"},
         u.id as author_id, u.username as author_username, u.display_name as author_display_name, u.role as author_role
  from ${kind.events} e left join users u on u.id = e.author_id`;

function toEvent<E extends TimelineEvent>(kind: ConversationKind<E>, row: EventRow): E {
  return kind.make(row.owner_id, {
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
    ...(row.client_message_id ? { clientMessageId: row.client_message_id } : {}),
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
  });
}

/** Events with `seq > after`, oldest first. */
export async function listEvents<E extends TimelineEvent>(
  q: Queryable,
  kind: ConversationKind<E>,
  ownerId: string,
  after: number,
  limit: number,
): Promise<E[]> {
  const rows = await q.query<EventRow>(
    `${selectEvents(kind)} where e.${kind.column} = $1 and e.seq > $2 order by e.seq limit $3`,
    [ownerId, after, limit],
  );
  return rows.map((row) => toEvent(kind, row));
}

/** One event by its seq; with `forUpdate`, its row stays locked until the transaction ends. */
export async function getEvent<E extends TimelineEvent>(
  q: Queryable,
  kind: ConversationKind<E>,
  ownerId: string,
  seq: number,
  options: { forUpdate?: boolean } = {},
): Promise<E | null> {
  const [row] = await q.query<EventRow>(
    `${selectEvents(kind)} where e.${kind.column} = $1 and e.seq = $2${options.forUpdate ? " for update of e" : ""}`,
    [ownerId, seq],
  );
  return row ? toEvent(kind, row) : null;
}

/** The first event of each `(author, clientMessageId)` pair that exists, keyed `author/clientMessageId`. */
export async function findEventsByClientIds<E extends TimelineEvent>(
  q: Queryable,
  kind: ConversationKind<E>,
  keys: { authorId: string; clientMessageId: string }[],
): Promise<Map<string, E>> {
  const found = new Map<string, E>();
  if (keys.length === 0) return found;
  const rows = await q.query<EventRow>(
    `${selectEvents(kind)}
     join jsonb_to_recordset($1::jsonb) as k(author_id uuid, client_message_id text)
       on k.author_id = e.author_id and k.client_message_id = e.client_message_id`,
    [
      JSON.stringify(
        keys.map((key) => ({ author_id: key.authorId, client_message_id: key.clientMessageId })),
      ),
    ],
  );
  for (const row of rows) found.set(`${row.author_id}/${row.client_message_id}`, toEvent(kind, row));
  return found;
}

/**
 * Appends many events to many conversations of one kind in one statement, whatever their number: the
 * owners' `last_seq` grow by their count of new events (under the row locks, which the caller holds), the
 * events are inserted with consecutive seqs in the given order, and each entry's `announce` (if any) is
 * written to the outbox with the event's `seq` added to its data. One round trip: a chat message's commit
 * is on the hot path of every message in a crowded room.
 */
export async function insertEvents<E extends TimelineEvent>(
  tx: Queryable,
  kind: ConversationKind<E>,
  entries: { ownerId: string; event: NewEvent; announce?: OutboxWrite }[],
): Promise<E[]> {
  if (entries.length === 0) return [];
  // A body that does not match its type's schema is a bug: refuse it before it is stored for good.
  for (const { event } of entries) parseEventBody(event.type, event.body);
  const inserted = await tx.query<{ owner_id: string; seq: number; created_at: Date }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(n int, owner_id uuid, type text, author_id uuid,
                                                        body jsonb, client_message_id text, announce jsonb)
     ),
     counts as (select owner_id, count(*)::int as k from input group by owner_id),
     bumped as (
       update ${kind.owners} o set last_seq = o.last_seq + c.k, ${kind.touch}
         from counts c where o.id = c.owner_id
       returning o.id, o.last_seq - c.k as base
     ),
     numbered as (
       select input.*, bumped.base + row_number() over (partition by input.owner_id order by input.n) as seq
         from input join bumped on bumped.id = input.owner_id
     ),
     announced as (
       insert into outbox (type, resource_type, resource_id, data)
       select a.type, a.resource_type, a.resource_id, a.data || jsonb_build_object('seq', numbered.seq)
         from numbered,
              jsonb_to_record(numbered.announce) as a(type text, resource_type text, resource_id uuid, data jsonb)
        where numbered.announce is not null
        order by numbered.n
     )
     insert into ${kind.events} (${kind.column}, seq, type, author_id, body, client_message_id)
     select owner_id, seq, type, author_id, body, client_message_id from numbered order by n
     returning ${kind.column} as owner_id, seq, created_at`,
    [
      JSON.stringify(
        entries.map(({ ownerId, event, announce }, n) => ({
          n,
          owner_id: ownerId,
          type: event.type,
          author_id: event.author?.id ?? null,
          body: event.body,
          client_message_id: event.clientMessageId ?? null,
          announce: announce
            ? {
                type: announce.type,
                resource_type: announce.resource.type,
                resource_id: announce.resource.id,
                data: announce.data,
              }
            : null,
        })),
      ),
    ],
  );
  if (inserted.length !== entries.length) {
    const found = new Set(inserted.map((row) => row.owner_id));
    const missing = entries.find(({ ownerId }) => !found.has(ownerId))?.ownerId;
    throw new Error(`insertEvents: no ${kind.owners} row ${missing}`);
  }
  // Each owner's new seqs, ascending, belong to its entries in the given order.
  const seqs = new Map<string, { seq: number; createdAt: string }[]>();
  for (const row of [...inserted].sort((a, b) => a.seq - b.seq)) {
    const list = seqs.get(row.owner_id) ?? [];
    list.push({ seq: row.seq, createdAt: row.created_at.toISOString() });
    seqs.set(row.owner_id, list);
  }
  return entries.map(({ ownerId, event }) => {
    const { seq, createdAt } = seqs.get(ownerId)!.shift()!;
    return kind.make(ownerId, {
      seq,
      type: event.type,
      author: event.author,
      body: event.body,
      createdAt,
      ...(event.clientMessageId ? { clientMessageId: event.clientMessageId } : {}),
    });
  });
}
