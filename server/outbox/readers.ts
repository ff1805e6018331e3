import type { Logger } from "pino";
import type { Bus, OutboxEntry } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";
import { OUTBOX_COLUMNS, type OutboxRow, toEntry } from "./outbox.js";

/** How long after a drain the readers run (later drains meanwhile join that run). */
const RUN_DELAY_MS = 50;
/** Most entries one reader handles in one transaction. */
const READ_BATCH = 200;

/**
 * A durable reader of the outbox: notifications, webhook deliveries, Nostr publishing. `handle` runs in
 * the transaction that advances the reader's position, so what it writes (a notification, a delivery
 * to make) exists exactly when the position moves past the entries that caused it: each entry is
 * handled once across every process, and a crash only makes the next run handle it again from scratch.
 * `handle` writes to the database only; calls to the outside world (SMTP, HTTP, relays) are queued by it
 * and made by its own worker, with retries.
 */
export type OutboxReader = {
  /**
   * Its row in `outbox_readers`, added by the reader's migration at the outbox's position then
   * (`insert into outbox_readers select 'name', coalesce(max(position), 0) from outbox`): a new reader
   * reads what comes after it was deployed, not the history.
   */
  name: string;
  /** The entry types it wants: exact names, or a prefix ending in `*` (`deal.*`); all when absent. */
  types?: string[];
  handle(tx: Queryable, entries: OutboxEntry[]): Promise<void>;
  /** Runs after the transaction commits, when `handle` saw entries (live pushes). */
  afterCommit?(entries: OutboxEntry[]): void;
};

export function matchesTypes(types: string[] | undefined, type: string): boolean {
  if (!types) return true;
  return types.some((wanted) =>
    wanted.endsWith("*") ? type.startsWith(wanted.slice(0, -1)) : wanted === type,
  );
}

/** `types` as SQL `like` patterns (`deal.*` is `deal.%`), for the database to skip the rest unread. */
export function typePatterns(types: string[]): string[] {
  return types.map((type) => {
    const exact = type.endsWith("*") ? type.slice(0, -1) : type;
    const escaped = exact.replace(/[\\%_]/g, (c) => `\\${c}`);
    return type.endsWith("*") ? `${escaped}%` : escaped;
  });
}

/**
 * Runs the outbox's readers: after each drain in this process (through the bus) and at every worker tick
 * (for entries drained by other processes). Readers on several processes take turns on their row lock.
 */
export function createOutboxReaders(deps: { db: Db; bus: Bus; logger: Logger }) {
  const { db, bus, logger } = deps;
  const readers: OutboxReader[] = [];
  /** Readers to run (again): a run goes on until none is left. */
  const due = new Set<OutboxReader>();
  let running: Promise<void> | null = null;

  /** One batch for one reader; true if it read a full batch (there may be more). */
  async function readOnce(reader: OutboxReader): Promise<boolean> {
    const { seen, wanted } = await db.transaction(async (tx) => {
      const [cursor] = await tx.query<{ position: string | number }>(
        "select position from outbox_readers where name = $1 for update",
        [reader.name],
        // A reader's statements run after every drain that wakes it and at every tick: planned once.
        { prepared: true },
      );
      if (!cursor) throw new Error(`no outbox_readers row "${reader.name}": its migration adds it`);
      // The next batch's span, then only the entries of the reader's types in it: a reader does not
      // fetch (or parse) the data of entries it skips, such as a busy room's messages for the webhooks.
      const [span] = await tx.query<{ last: string | number | null; seen: number }>(
        `select max(position) as last, count(*)::int as seen
           from (select position from outbox where position > $1 order by position limit $2) batch`,
        [cursor.position, READ_BATCH],
        { prepared: true },
      );
      if (!span || span.last === null) return { seen: 0, wanted: [] };
      const rows = await tx.query<OutboxRow>(
        `select ${OUTBOX_COLUMNS} from outbox where position > $1 and position <= $2
            ${reader.types ? "and type like any($3::text[])" : ""} order by position`,
        [cursor.position, span.last, ...(reader.types ? [typePatterns(reader.types)] : [])],
        { prepared: true },
      );
      const wanted = rows.map(toEntry);
      if (wanted.length > 0) await reader.handle(tx, wanted);
      await tx.query("update outbox_readers set position = $2 where name = $1", [reader.name, span.last], {
        prepared: true,
      });
      return { seen: span.seen, wanted };
    });
    if (wanted.length > 0) reader.afterCommit?.(wanted);
    return seen === READ_BATCH;
  }

  /**
   * Each of `which` (every reader when absent) until it has read everything positioned; readers asked
   * for meanwhile join this run.
   */
  function run(which: Iterable<OutboxReader> = readers): Promise<void> {
    for (const reader of which) due.add(reader);
    running ??= (async () => {
      try {
        while (due.size > 0) {
          for (const reader of readers) {
            if (!due.delete(reader)) continue;
            try {
              while (await readOnce(reader)) {}
            } catch (error) {
              // Its position did not move: the same entries are handled again at the next run.
              logger.error(
                { err: error, reader: reader.name },
                "outbox reader failed; retried at the next tick",
              );
            }
          }
        }
      } finally {
        running = null;
      }
    })();
    return running;
  }

  // A drain delivers its entries one by one: the readers that want any of them run a moment after the
  // first, with them all. The others move past them at the next tick (every reader runs then), without a
  // transaction each per drain: a busy room's chat wakes the notifications reader only.
  const woken = new Set<OutboxReader>();
  let scheduled: NodeJS.Timeout | null = null;
  bus.on("outbox.drained", ({ entry }) => {
    for (const reader of readers) if (matchesTypes(reader.types, entry.type)) woken.add(reader);
    if (woken.size === 0 || scheduled) return;
    scheduled = setTimeout(() => {
      scheduled = null;
      const wake = [...woken];
      woken.clear();
      void run(wake);
    }, RUN_DELAY_MS);
    scheduled.unref();
  });

  return {
    /** Adds a reader (its row must exist: see `OutboxReader.name`). */
    add(reader: OutboxReader): void {
      readers.push(reader);
    },
    run,
  };
}

export type OutboxReaders = ReturnType<typeof createOutboxReaders>;
