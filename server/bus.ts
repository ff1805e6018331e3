import { EventEmitter } from "node:events";
import type { DealEvent, ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import type { Notification } from "../shared/notifications.js";

/**
 * Domain events, published by services after their transaction commits. Domains never import
 * socket.io: `realtime/` subscribes here and turns these into emits.
 */
export type DomainEvents = {
  /** A new event in an item's timeline, published in seq order per item. */
  "event.appended": { event: ItemEvent };
  /** A new event in a deal's private thread, published in seq order per deal. */
  "deal.event_appended": { event: DealEvent };
  /** An outbox entry, drained after its commit (see deals/outbox.ts), once across all processes. */
  "outbox.drained": { entry: OutboxEntry };
  /** An item was created, edited, reserved, released, sold or removed. */
  "item.changed": { item: Item };
  /** A notification was stored (or a conversation's updated) for this user; once, by the process that did it. */
  "notification.created": { userId: string; notification: Notification; unread: number };
  /** Every session of this user must end now (suspension, sign-out everywhere). */
  "user.sessions_revoked": { userId: string };
};

/** A durable announcement of a change, in commit order (the future feed's event). */
export type OutboxEntry = {
  position: number;
  type: string;
  resource: { type: string; id: string };
  data: Record<string, unknown>;
  createdAt: string;
};

export class Bus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  /**
   * `onError` hears a listener that threw. Domain events are published after commit, so a failing
   * listener must neither undo the write nor keep the others (or the writer's ack) from running.
   */
  constructor(private readonly onError: (error: unknown, name: keyof DomainEvents) => void = () => {}) {}

  on<K extends keyof DomainEvents>(name: K, listener: (payload: DomainEvents[K]) => void): () => void {
    const guarded = (payload: DomainEvents[K]) => {
      try {
        listener(payload);
      } catch (error) {
        this.onError(error, name);
      }
    };
    this.#emitter.on(name, guarded);
    return () => this.#emitter.off(name, guarded);
  }

  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.#emitter.emit(name, payload);
  }
}
