import type { Logger } from "pino";
import type { Bus, OutboxEntry } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";

/** Any fixed number, shared by every process: the drain lock (pg_advisory_xact_lock). */
const DRAIN_LOCK = 7_340_021;
/** Most entries one drain positions and delivers. */
const DRAIN_BATCH = 500;

/** An outbox entry as written; its position is given when it is drained. */
export type OutboxWrite = {
  type: string;
  resource: { type: string; id: string };
  data: Record<string, unknown>;
};

/** Writes an announcement in the caller's transaction: it exists exactly when the change it announces commits. */
export async function writeOutbox(tx: Queryable, entry: OutboxWrite): Promise<void> {
  await tx.query("insert into outbox (type, resource_type, resource_id, data) values ($1, $2, $3, $4)", [
    entry.type,
    entry.resource.type,
    entry.resource.id,
    JSON.stringify(entry.data),
  ]);
}

/** An outbox row as selected by `OUTBOX_COLUMNS`. */
export type OutboxRow = {
  position: string | number;
  type: string;
  resource_type: string;
  resource_id: string;
  data: Record<string, unknown>;
  created_at: Date;
};

export const OUTBOX_COLUMNS = "position, type, resource_type, resource_id, data, created_at";

/** A positioned row as the entry the bus and the readers see. */
export function toEntry(row: OutboxRow): OutboxEntry {
  return {
    position: Number(row.position),
    type: row.type,
    resource: { type: row.resource_type, id: row.resource_id },
    data: row.data,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * The outbox's drain: gives committed entries their global position and delivers them to the bus.
 *
 * A position is assigned here, not at insert: under one advisory lock, every committed entry without a
 * position gets the next ones, in insert order. A sequence taken at insert would number entries in
 * insert order but commit them in any order, so a reader past position 7 could miss a 6 that commits
 * later; assigned at drain time, under the lock, positions only ever grow in the order entries become
 * visible. Each entry is positioned once, by whichever process drains first, and then delivered to that
 * process's bus (once across processes; a crash between the drain's commit and the delivery loses the
 * live delivery, never the entry, which readers of the table by position still get).
 */
export function createOutbox(deps: { db: Db; bus: Bus; logger: Logger }) {
  const { db, bus, logger } = deps;
  let draining: Promise<void> | null = null;
  let again = false;

  async function drainOnce(): Promise<number> {
    const rows = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [DRAIN_LOCK], { prepared: true });
      return tx.query<OutboxRow>(
        `with base as (select coalesce(max(position), 0) as top from outbox),
              todo as (select id, row_number() over (order by id) as n
                       from outbox where position is null order by id limit $1)
         update outbox o set position = base.top + todo.n
         from todo, base where o.id = todo.id
         returning o.position, o.type, o.resource_type, o.resource_id, o.data, o.created_at`,
        [DRAIN_BATCH],
        // After every commit that announces something (every chat message): planned once.
        { prepared: true },
      );
    });
    const entries = rows.map(toEntry).sort((a, b) => a.position - b.position);
    for (const entry of entries) bus.emit("outbox.drained", { entry });
    return rows.length;
  }

  /**
   * Drains until nothing is left. Calls while a drain runs make it go round once more rather than
   * queueing their own, so a burst of commits costs a few drains, not one each.
   */
  function drain(): Promise<void> {
    again = true;
    draining ??= (async () => {
      try {
        while (again) {
          again = false;
          while ((await drainOnce()) === DRAIN_BATCH) {}
        }
      } catch (error) {
        logger.error({ err: error }, "outbox drain failed; retried at the next tick");
      } finally {
        draining = null;
      }
    })();
    return draining;
  }

  return { drain };
}

export type Outbox = ReturnType<typeof createOutbox>;
