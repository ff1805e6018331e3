import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Db, Queryable } from "../db/db.js";

/** How long a sweeper's claim on a due timer keeps the others off it; a dead claimer's timer is retaken after. */
const CLAIM_SECONDS = 30;

/** A due timer: a deal's transition, or an item's (`itemId`: an auction's close, its second chance). */
export type DueTimer = { id: string; dealId: string | null; itemId: string | null; transition: string };

/** Schedules `transition` of the deal `seconds` from now (the transaction's now: the same instant as its other writes). */
export async function scheduleTimer(
  tx: Queryable,
  timer: { id: string; dealId: string; transition: string; seconds: number },
): Promise<void> {
  await tx.query(
    `insert into timers (id, deal_id, transition, fire_at) values ($1, $2, $3, now() + make_interval(secs => $4))`,
    [timer.id, timer.dealId, timer.transition, timer.seconds],
  );
}

/** The deal left the state its timers were set for: they will never fire. */
export async function cancelTimers(tx: Queryable, dealId: string): Promise<void> {
  await tx.query(
    "update timers set canceled_at = now() where deal_id = $1 and fired_at is null and canceled_at is null",
    [dealId],
  );
}

/** Retires one timer that can never fire (its transition refuses). */
export async function cancelTimer(q: Queryable, id: string): Promise<void> {
  await q.query("update timers set canceled_at = now() where id = $1 and fired_at is null", [id]);
}

/** Schedules the item's `name` (an auction's close) at `fireAt`, or `seconds` from now. */
export async function scheduleItemTimer(
  tx: Queryable,
  timer: { itemId: string; name: string } & ({ fireAt: string } | { seconds: number }),
): Promise<void> {
  await tx.query(
    `insert into timers (id, item_id, transition, fire_at)
     values ($1, $2, $3, coalesce($4::timestamptz, now() + make_interval(secs => $5)))`,
    [
      randomUUID(),
      timer.itemId,
      timer.name,
      "fireAt" in timer ? timer.fireAt : null,
      "seconds" in timer ? timer.seconds : 0,
    ],
  );
}

/** The item's pending timers will never fire (its auction's terms changed). */
export async function cancelItemTimers(tx: Queryable, itemId: string): Promise<void> {
  await tx.query(
    "update timers set canceled_at = now() where item_id = $1 and fired_at is null and canceled_at is null",
    [itemId],
  );
}

/** As `takeTimer`, for an item's timer; the caller holds the item's row lock. */
export const takeItemTimer = (tx: Queryable, itemId: string, name: string) =>
  take(tx, "item_id", itemId, name);

/**
 * Marks the deal's pending timer for `transition` fired, under its row lock; false if there is none (it
 * fired or was canceled already). The caller holds the deal's lock and fires it in the same transaction,
 * so a timer fires exactly once whoever gets there first: a sweeper, or a request that found it overdue.
 */
export const takeTimer = (tx: Queryable, dealId: string, transition: string) =>
  take(tx, "deal_id", dealId, transition);

/** The earliest pending timer of that name on the deal or item, marked fired; false if there is none. */
async function take(tx: Queryable, owner: "deal_id" | "item_id", id: string, name: string): Promise<boolean> {
  const rows = await tx.query(
    `update timers set fired_at = now()
     where id = (select id from timers
                 where ${owner} = $1 and transition = $2 and fired_at is null and canceled_at is null
                 order by fire_at limit 1 for update)
     returning id`,
    [id, name],
  );
  return rows.length > 0;
}

/**
 * Claims up to `limit` due timers for this sweeper. `skip locked` and the claim keep several sweepers
 * (processes) off each other's timers; the claim is only a hint, `takeTimer` is the authority.
 */
export async function claimDueTimers(db: Db, limit: number): Promise<DueTimer[]> {
  const rows = await db.query<{
    id: string;
    deal_id: string | null;
    item_id: string | null;
    transition: string;
  }>(
    `update timers set claimed_until = now() + make_interval(secs => $2)
     where id in (select id from timers
                  where fired_at is null and canceled_at is null and fire_at <= now()
                    and (claimed_until is null or claimed_until < now())
                  order by fire_at limit $1 for update skip locked)
     returning id, deal_id, item_id, transition`,
    [limit, CLAIM_SECONDS],
    // Every tick of every process: planned once (see `Queryable.query`).
    { prepared: true },
  );
  return rows.map((row) => ({
    id: row.id,
    dealId: row.deal_id,
    itemId: row.item_id,
    transition: row.transition,
  }));
}

export type Worker = { stop(): Promise<void> };

/** How often to look for due timers: a second, or more often when holds are very short (tests use 1 s). */
export function timerIntervalMs(shortestSeconds: number): number {
  return Math.min(1_000, Math.max(250, shortestSeconds * 500));
}

/**
 * Runs `tick` at start-up and then every `intervalMs`, never overlapping within a process. Timers live in
 * the database with their deadline, so a restart loses none: the first tick fires whatever fell due
 * while the server was down.
 */
export function startWorker(
  tick: () => Promise<void>,
  options: { intervalMs: number; logger: Logger },
): Worker {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = tick()
      .catch((error: unknown) => {
        options.logger.error({ err: error }, "background tick failed; retrying at the next one");
      })
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** Cancels the deal's pending timer named `name` (its work was done early: both reviews are in). */
export async function cancelDealTimer(tx: Queryable, dealId: string, name: string): Promise<void> {
  await tx.query(
    `update timers set canceled_at = now()
     where deal_id = $1 and transition = $2 and fired_at is null and canceled_at is null`,
    [dealId, name],
  );
}

/** When the deal's timer `name` fires or fired (the latest set), and whether that is still ahead. */
export async function dealTimerAt(
  q: Queryable,
  dealId: string,
  name: string,
): Promise<{ at: string; ahead: boolean } | null> {
  const [row] = await q.query<{ fire_at: Date; ahead: boolean }>(
    `select fire_at, fire_at > now() as ahead from timers
     where deal_id = $1 and transition = $2 order by fire_at desc limit 1`,
    [dealId, name],
  );
  return row ? { at: row.fire_at.toISOString(), ahead: row.ahead } : null;
}
