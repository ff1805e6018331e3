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
    // A probe of the key's index per key (as a join, the planner may hash them against every event).
    `select found.* from jsonb_to_recordset($1::jsonb) as k(author_id uuid, client_message_id text)
     cross join lateral (
       ${selectEvents(kind)}
        where e.author_id = k.author_id and e.client_message_id = k.client_message_id limit 1
     ) found`,
    [
      JSON.stringify(
        keys.map((key) => ({ author_id: key.authorId, client_message_id: key.clientMessageId })),
      ),
    ],
  );
  for (const row of rows) found.set(`${row.author_id}/${row.client_message_id}`, toEvent(kind, row));
  return found;
}

/** What became of one entry given to `appendEvents`. */
export type Appended<E> =
  | { event: E }
  /** Its `(author, clientMessageId)` is stored already, or taken by an earlier entry of the same call. */
  | { duplicate: true }
  /** Its owner does not exist (`missing`), or does not pass the call's `accepts` (`closed`). */
  | { refused: "missing" | "closed" };

/**
 * Appends many events to many conversations of one kind in one statement, whatever their number, and
 * says what became of each. The owners' rows are locked in id order; an entry is written unless its key
 * `(author, clientMessageId)` is stored already or was written by an earlier entry (a retry), its owner is
 * missing, or its owner's row fails `accepts` (an SQL condition on the owner `o`, read under the lock). The
 * owners' `last_seq` grow by their count of new events, the events get consecutive seqs in the given
 * order, and each entry's `announce` (if any) is written to the outbox with the event's `seq` added to its
 * data. One round trip, which outside a transaction is also the commit: a chat message's is on the hot
 * path of every message in a crowded room.
 */
export async function appendEvents<E extends TimelineEvent>(
  q: Queryable,
  kind: ConversationKind<E>,
  entries: { ownerId: string; event: NewEvent; announce?: OutboxWrite }[],
  accepts = "true",
): Promise<Appended<E>[]> {
  if (entries.length === 0) return [];
  // A body that does not match its type's schema is a bug: refuse it before it is stored for good.
  for (const { event } of entries) parseEventBody(event.type, event.body);
  const rows = await q.query<{
    n: number;
    outcome: "written" | "duplicate" | "missing" | "closed";
    seq: number | null;
    created_at: Date | null;
  }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(n int, owner_id uuid, type text, author_id uuid,
                                                        body jsonb, client_message_id text, announce jsonb)
     ),
     owners as materialized (
       -- By the array of their ids: for a subquery of the input the planner guesses 100 owners and hashes
       -- them against a scan of every owner row, on every append (until there are tens of thousands).
       select o.id, (${accepts}) as accepts from ${kind.owners} o
        where o.id = any($2::uuid[]) order by o.id for update
     ),
     judged as (
       select input.*, owners.id is not null as found, coalesce(owners.accepts, false) as accepts,
              earlier.stored is not null as stored
         from input left join owners on owners.id = input.owner_id
         -- One probe of the key's index per entry. As an exists(), the planner may hash every stored
         -- key instead (it guesses 100 entries): a scan of the whole table on every append.
         left join lateral (
           select true as stored from ${kind.events} e
            where e.author_id = input.author_id and e.client_message_id = input.client_message_id
            limit 1
         ) earlier on true
     ),
     eligible as (
       select judged.*, row_number() over (partition by author_id, client_message_id order by n) as nth
         from judged where found and accepts and not stored
     ),
     writers as (select * from eligible where client_message_id is null or nth = 1),
     counts as (select owner_id, count(*)::int as k from writers group by owner_id),
     bumped as (
       update ${kind.owners} o set last_seq = o.last_seq + c.k, ${kind.touch}
         from counts c where o.id = c.owner_id
       returning o.id, o.last_seq - c.k as base
     ),
     numbered as (
       select writers.*, bumped.base + row_number() over (partition by writers.owner_id order by writers.n) as seq
         from writers join bumped on bumped.id = writers.owner_id
     ),
     announced as (
       insert into outbox (type, resource_type, resource_id, data)
       select a.type, a.resource_type, a.resource_id, a.data || jsonb_build_object('seq', numbered.seq)
         from numbered,
              jsonb_to_record(numbered.announce) as a(type text, resource_type text, resource_id uuid, data jsonb)
        where numbered.announce is not null
        order by numbered.n
     ),
     inserted as (
       insert into ${kind.events} (${kind.column}, seq, type, author_id, body, client_message_id)
       select owner_id, seq, type, author_id, body, client_message_id from numbered order by n
       returning ${kind.column} as owner_id, seq, created_at
     )
     select judged.n, inserted.seq, inserted.created_at,
            case when inserted.seq is not null then 'written'
                 when judged.stored then 'duplicate'
                 when not judged.found then 'missing'
                 when not judged.accepts then 'closed'
                 else 'duplicate' end as outcome
       from judged
       left join numbered on numbered.n = judged.n
       left join inserted on inserted.owner_id = numbered.owner_id and inserted.seq = numbered.seq
      order by judged.n`,
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
      [...new Set(entries.map(({ ownerId }) => ownerId))],
    ],
    // On the path of every chat message: planned once per connection, not per message.
    { prepared: true },
  );
  return entries.map(({ ownerId, event }, n): Appended<E> => {
    const row = rows[n];
    if (!row || row.n !== n) throw new Error(`appendEvents: no outcome for entry ${n}`);
    if (row.outcome === "duplicate") return { duplicate: true };
    if (row.outcome === "missing" || row.outcome === "closed") return { refused: row.outcome };
    if (row.seq === null || row.created_at === null) throw new Error(`appendEvents: entry ${n} has no seq`);
    return {
      event: kind.make(ownerId, {
        seq: row.seq,
        type: event.type,
        author: event.author,
        body: event.body,
        createdAt: row.created_at.toISOString(),
        ...(event.clientMessageId ? { clientMessageId: event.clientMessageId } : {}),
      }),
    };
  });
}

/** As `appendEvents`, for one event that must be written (the caller holds its owner's row). */
export async function insertEvent<E extends TimelineEvent>(
  q: Queryable,
  kind: ConversationKind<E>,
  ownerId: string,
  event: NewEvent,
): Promise<E> {
  const [outcome] = await appendEvents(q, kind, [{ ownerId, event }]);
  if (outcome && "event" in outcome) return outcome.event;
  throw new Error(`insertEvent: not written to ${kind.owners} row ${ownerId}: ${JSON.stringify(outcome)}`);
}
