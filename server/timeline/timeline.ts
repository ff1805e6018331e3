import { AppError } from "../../shared/errors.js";
import type { DealEvent, EventAuthor, EventType, ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Bus } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";
import { type DealRecord, lockDeals } from "../deals/store.js";
import { getItem, lockItems } from "../items/store.js";
import { type OutboxWrite, writeOutbox } from "../outbox/outbox.js";
import { GroupCommit, type KeyedEvent, type Work } from "./group-commit.js";
import { DEAL_EVENTS, ITEM_EVENTS, insertEvent } from "./store.js";

export type NewEvent = {
  type: EventType;
  author: EventAuthor | null;
  body: Record<string, unknown>;
  clientMessageId?: string;
};

/**
 * How long after a chat batch the outbox is drained (batches meanwhile share the drain, and the readers'
 * run after it): a busy room's messages cost a few transactions a second, not twenty.
 */
const CHAT_DRAIN_DELAY_MS = 250;

/** Most characters of a message the outbox carries (a notification's preview). */
const PREVIEW_CHARS = 200;

/**
 * A chat message's announcement, for notifications (an internal type: the public feed leaves it out).
 * The conversation is the resource: an item's room or a deal's thread. Its `seq` is the stored event's,
 * added by `appendEvents`.
 */
function messageCreated(conversation: { type: "item" | "deal"; id: string }, event: NewEvent): OutboxWrite {
  const text = event.type === "text" && typeof event.body.text === "string" ? event.body.text : "";
  return {
    type: "message.created",
    resource: conversation,
    data: {
      authorId: event.author?.id ?? null,
      authorName: event.author?.displayName ?? null,
      preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
    },
  };
}

/** What a write on one item may do inside its transaction. */
export type ItemWrite = {
  tx: Queryable;
  /** Appends an event with the item's next seq; published after commit. */
  append(event: NewEvent): Promise<ItemEvent>;
  /**
   * Appends an event to a deal's private thread (a deal of this item, whose row the caller has locked);
   * published after commit.
   */
  appendToThread(dealId: string, event: NewEvent): Promise<DealEvent>;
  /** Marks the item changed; its committed state is published to everyone after commit. */
  changed(): void;
  /**
   * Writes an outbox entry (the feed's, notifications' and integrations' source) in this transaction;
   * the outbox is drained after commit, without holding up the write's answer.
   */
  announce(entry: OutboxWrite): Promise<void>;
  /** Runs after commit and publish, in order, before the write resolves (processor calls, the outbox). */
  afterCommit(effect: () => Promise<void>): void;
};

/**
 * The single owner of writes to conversations: items' public rooms and deals' private threads. Every
 * write holds the owner's row lock while it takes seqs, so they are 1, 2, 3… with no gap under any number
 * of writers and processes, and every appended event is published only after its commit. Entry points:
 * - `write`: any transaction on one item (details, payments, deals, moderation), queued per item in this
 *   process; it may also append to the threads of the item's deals;
 * - `appendKeyed` / `appendToDeal`: one keyed event (a chat message), group-committed with the others
 *   arriving meanwhile; `decide`: a decision on the item (a bid) in the same group commit.
 */
export class Timeline {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #rooms: GroupCommit<ItemEvent, Item>;
  readonly #threads: GroupCommit<DealEvent, DealRecord>;
  #drainTimer: NodeJS.Timeout | null = null;

  /**
   * After a chat batch (or a bid): drains the outbox a moment later, once for every batch committed
   * meanwhile. Their entries feed notifications, which can wait that long; a drain per batch would slow
   * the chat down.
   */
  readonly #drainSoon = async (): Promise<void> => {
    if (this.#drainTimer) return;
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = null;
      void this.drainOutbox();
    }, CHAT_DRAIN_DELAY_MS);
    this.#drainTimer.unref();
  };

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    /** Drains the outbox after a write that announced something has committed. */
    private readonly drainOutbox: () => Promise<void> = async () => {},
  ) {
    this.#rooms = new GroupCommit(
      db,
      {
        kind: ITEM_EVENTS,
        lock: lockItems,
        missing: "No such item",
        // Chat stays open while an item is reserved or sold: buyer and seller still need to talk.
        closed: {
          when: "o.status = 'removed'",
          refusal: () => new AppError("item_removed", "This item was removed"),
        },
        announce: (itemId, event) => messageCreated({ type: "item", id: itemId }, event),
      },
      (events) => this.#publish(events, [], null),
      this.#drainSoon,
    );
    this.#threads = new GroupCommit(
      db,
      {
        kind: DEAL_EVENTS,
        lock: lockDeals,
        missing: "No such deal",
        announce: (dealId, event) => messageCreated({ type: "deal", id: dealId }, event),
      },
      (events) => this.#publish([], events, null),
      this.#drainSoon,
    );
  }

  /**
   * Appends a keyed event to an item's room unless the item was removed (`item_removed`); a repeated
   * `(author, clientMessageId)` writes nothing and answers the first event (`duplicate: true`).
   */
  appendKeyed(itemId: string, event: KeyedEvent): Promise<{ event: ItemEvent; duplicate: boolean }> {
    return this.#rooms.append(itemId, event);
  }

  /**
   * Runs `work` on the locked item in the room's group commit (a bid: its rows, the events it decides),
   * committed and published with the chat arriving meanwhile.
   */
  decide<R>(itemId: string, work: Work<ItemEvent, Item, R>): Promise<R> {
    return this.#rooms.run(itemId, work);
  }

  /** As `appendKeyed`, to a deal's private thread. */
  appendToDeal(dealId: string, event: KeyedEvent): Promise<{ event: DealEvent; duplicate: boolean }> {
    return this.#threads.append(dealId, event);
  }

  async write<T>(itemId: string, fn: (write: ItemWrite) => Promise<T>): Promise<T> {
    const { result, effects } = await this.#queued(itemId, () => this.#commitThenPublish(itemId, fn));
    // Outside the item's queue: a slow processor call must not hold up the item's next write.
    for (const effect of effects) await effect();
    return result;
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

  async #commitThenPublish<T>(
    itemId: string,
    fn: (write: ItemWrite) => Promise<T>,
  ): Promise<{ result: T; effects: (() => Promise<void>)[] }> {
    const appended: ItemEvent[] = [];
    const threaded: DealEvent[] = [];
    const effects: (() => Promise<void>)[] = [];
    let itemChanged = false;
    let announced = false;
    const { result, item } = await this.db.transaction(async (tx) => {
      const result = await fn({
        tx,
        append: async (event) => {
          const stored = await insertEvent(tx, ITEM_EVENTS, itemId, event);
          appended.push(stored);
          return stored;
        },
        appendToThread: async (dealId, event) => {
          const stored = await insertEvent(tx, DEAL_EVENTS, dealId, event);
          threaded.push(stored);
          return stored;
        },
        changed: () => {
          itemChanged = true;
        },
        afterCommit: (effect) => {
          effects.push(effect);
        },
        announce: async (entry) => {
          await writeOutbox(tx, entry);
          announced = true;
        },
      });
      // Only a changed item is published, so only then is it read (inside the transaction: as committed).
      return { result, item: itemChanged ? await getItem(tx, itemId) : null };
    });
    this.#publish(appended, threaded, item);
    if (announced) void this.drainOutbox();
    return { result, effects };
  }

  /** After commit: the events in seq order, then the item if it changed. */
  #publish(events: ItemEvent[], threaded: DealEvent[], item: Item | null): void {
    for (const event of events) this.bus.emit("event.appended", { event });
    for (const event of threaded) this.bus.emit("deal.event_appended", { event });
    if (item) this.bus.emit("item.changed", { item });
  }
}
