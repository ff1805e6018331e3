import type { EventAuthor, EventType, ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Bus } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";
import { getItem } from "../items/store.js";
import { GroupCommit, type KeyedEvent } from "./group-commit.js";
import { insertEvents } from "./store.js";

export type NewEvent = {
  type: EventType;
  author: EventAuthor | null;
  body: Record<string, unknown>;
  clientMessageId?: string;
};

/** What a write on one item may do inside its transaction. */
export type ItemWrite = {
  tx: Queryable;
  /** Appends an event with the item's next seq; published after commit. */
  append(event: NewEvent): Promise<ItemEvent>;
  /** Marks the item changed; its committed state is published to everyone after commit. */
  changed(): void;
};

/**
 * The single owner of writes to items' timelines. Every write holds the item's row lock while it takes
 * seqs, so they are 1, 2, 3… with no gap under any number of writers and processes, and every appended
 * event is published only after its commit, in seq order per item. Two entry points:
 * - `write`: any transaction on one item (details, payments, moderation), queued per item in this process;
 * - `appendKeyed`: one keyed event (a chat message), group-committed with the others arriving meanwhile.
 */
export class Timeline {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #grouped: GroupCommit;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
  ) {
    this.#grouped = new GroupCommit(db, (events) => this.#publish(events, null));
  }

  /**
   * Appends a keyed event if the locked item passes `check` (which throws to refuse); a repeated
   * `(author, clientMessageId)` writes nothing and answers the first event (`duplicate: true`).
   */
  appendKeyed(
    itemId: string,
    event: KeyedEvent,
    check: (item: Item) => void,
  ): Promise<{ event: ItemEvent; duplicate: boolean }> {
    return this.#grouped.append(itemId, event, check);
  }

  write<T>(itemId: string, fn: (write: ItemWrite) => Promise<T>): Promise<T> {
    return this.#queued(itemId, () => this.#commitThenPublish(itemId, fn));
  }

  /** Runs `fn` after every earlier write to the item in this process: publishes leave in seq order. */
  async #queued<T>(itemId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(itemId) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(fn);
    this.#queues.set(itemId, run);
    try {
      return await run;
    } finally {
      if (this.#queues.get(itemId) === run) this.#queues.delete(itemId);
    }
  }

  async #commitThenPublish<T>(itemId: string, fn: (write: ItemWrite) => Promise<T>): Promise<T> {
    const appended: ItemEvent[] = [];
    let itemChanged = false;
    const { result, item } = await this.db.transaction(async (tx) => {
      const result = await fn({
        tx,
        append: async (event) => {
          const [stored] = await insertEvents(tx, [{ itemId, event }]);
          if (!stored) throw new Error("insertEvents returned nothing");
          appended.push(stored);
          return stored;
        },
        changed: () => {
          itemChanged = true;
        },
      });
      // Only a changed item is published, so only then is it read (inside the transaction: as committed).
      return { result, item: itemChanged ? await getItem(tx, itemId) : null };
    });
    this.#publish(appended, item);
    return result;
  }

  /** After commit: the events in seq order, then the item if it changed. */
  #publish(events: ItemEvent[], item: Item | null): void {
    for (const event of events) this.bus.emit("event.appended", { event });
    if (item) this.bus.emit("item.changed", { item });
  }
}
