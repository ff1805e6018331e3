import { AppError } from "../../shared/errors.js";
import type { ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Db, Queryable } from "../db/db.js";
import { isDeadlock, isUniqueViolation } from "../db/db.js";
import { lockItems } from "../items/store.js";
import { findEventsByClientIds, insertEvents } from "./store.js";
import type { NewEvent } from "./timeline.js";

/** An event that carries its author's idempotency key: a chat message. */
export type KeyedEvent = NewEvent & { author: NonNullable<NewEvent["author"]>; clientMessageId: string };

type Pending = {
  itemId: string;
  event: KeyedEvent;
  /** Throws (e.g. `item_removed`) if the locked item does not accept the event. */
  check: (item: Item) => void;
  resolve: (result: { event: ItemEvent; duplicate: boolean }) => void;
  reject: (error: unknown) => void;
};

/** Most events one transaction writes; more wait for the next. */
const MAX_BATCH = 500;

const keyOf = (event: KeyedEvent) => `${event.author.id}/${event.clientMessageId}`;

/**
 * Group commit for keyed appends. While one transaction is committing, the appends that arrive queue up
 * and are written together by the next, in a constant number of statements: one lock per batch of items,
 * one duplicate lookup, one `last_seq` update, one insert, one commit (one fsync). Alone, an append is
 * written at once; under load, batches grow and the cost per message falls. Each is still acked only
 * after its transaction commits, and published in seq order per item.
 */
export class GroupCommit {
  #queue: Pending[] = [];
  /**
   * One batch commits at a time per process. Measured at 1,000 msg/s on PostgreSQL: four in flight gave
   * p50/p99 16/55 ms, one gave 9/21 ms, and more throughput too: fewer, larger commits (fsyncs) win.
   */
  #running = false;

  constructor(
    private readonly db: Db,
    private readonly publish: (events: ItemEvent[]) => void,
  ) {}

  /** Appends `event`, or answers the first event written with the same author and `clientMessageId`. */
  append(
    itemId: string,
    event: KeyedEvent,
    check: (item: Item) => void,
  ): Promise<{ event: ItemEvent; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ itemId, event, check, resolve, reject });
      if (this.#running) return;
      this.#running = true;
      // After this turn's I/O: every message read in it joins the batch. PGlite runs in this thread and
      // never yields to I/O mid-transaction, so without this each burst would start with a batch of one.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commit(this.#queue.splice(0, MAX_BATCH));
    } finally {
      this.#running = false;
    }
  }

  async #commit(batch: Pending[], retry = true): Promise<void> {
    let outcomes: Outcome[];
    let written: ItemEvent[];
    try {
      ({ outcomes, written } = await this.db.transaction((tx) => plan(tx, batch)));
    } catch (error) {
      // The same key racing in from another process (whose batch can also close a lock cycle with this
      // one): the other has committed by now, so one by one each either writes or finds it.
      if ((isUniqueViolation(error) || isDeadlock(error)) && retry) {
        for (const pending of batch) await this.#commit([pending], false);
        return;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    // Inserted in batch order, which is seq order within each item.
    this.publish(written);
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if ("error" in outcome) pending.reject(outcome.error);
      else pending.resolve(outcome);
    });
  }
}

type Outcome = { event: ItemEvent; duplicate: boolean } | { error: unknown };

/** Inside one transaction: what becomes of each pending append, and the events written. */
async function plan(tx: Queryable, batch: Pending[]): Promise<{ outcomes: Outcome[]; written: ItemEvent[] }> {
  const existing = await findEventsByClientIds(
    tx,
    batch.map(({ event }) => ({ authorId: event.author.id, clientMessageId: event.clientMessageId })),
  );
  const items = await lockItems(tx, [...new Set(batch.map((pending) => pending.itemId))].sort());
  // Index in `batch` of the pending that writes each key; later ones with the same key repeat it.
  const writer = new Map<string, number>();
  const refused = new Map<number, unknown>();
  batch.forEach((pending, i) => {
    const key = keyOf(pending.event);
    // A retry is answered with the first event, even if the item has since been removed.
    if (existing.has(key) || writer.has(key)) return;
    const item = items.get(pending.itemId);
    try {
      if (!item) throw new AppError("not_found", "No such item");
      pending.check(item);
      writer.set(key, i);
    } catch (error) {
      refused.set(i, error);
    }
  });
  const writers = [...writer.values()];
  const events = await insertEvents(
    tx,
    writers.map((i) => ({ itemId: batch[i]!.itemId, event: batch[i]!.event })),
  );
  const written = new Map(writers.map((i, n) => [i, events[n]!]));
  const outcomes = batch.map((pending, i): Outcome => {
    const key = keyOf(pending.event);
    const event = written.get(i);
    if (event) return { event, duplicate: false };
    const first = existing.get(key) ?? written.get(writer.get(key) ?? -1);
    return first ? { event: first, duplicate: true } : { error: refused.get(i) };
  });
  return { outcomes, written: events };
}
