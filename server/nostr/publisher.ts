import { AbstractRelay } from "nostr-tools/abstract-relay";
import { type Event, verifyEvent } from "nostr-tools/pure";
import type { Logger } from "pino";
import WebSocket from "ws";
import type { Db } from "../db/db.js";

/** Deliveries one round claims; the rest wait for the next round, which starts at once. */
const ROUND_SIZE = 100;
/** How long a claimed delivery is this process's; one that crashed mid-round is retried after it. */
const LEASE_SECONDS = 120;
/** Connecting to a relay, and its OK for each event, each get this long before counting as a failure. */
const RELAY_TIMEOUT_MS = 10_000;
/** The longest wait between two tries: a relay down for days is still tried every hour. */
const MAX_RETRY_SECONDS = 3600;

type DeliveryRow = { item_id: string; relay: string; event_id: string; event: Event; attempts: number };

/**
 * Publishes the queued events (`nostr_deliveries`, written by the reader) to each relay, outside every
 * request and transaction: nothing in the marketplace waits on a relay. A round claims due deliveries
 * with a lease (`for update skip locked`, so processes share the queue), opens one connection per relay,
 * sends its events and waits for the relay's OK to each. OK=true marks the delivery sent; OK=false, a
 * timeout or a relay that cannot be reached schedules another try after `retrySeconds`, doubling up to an
 * hour.
 * Marks are conditional on the event id: a newer version queued meanwhile stays owed.
 */
export function createNostrPublisher(deps: {
  db: Db;
  relays: string[];
  retrySeconds: number;
  logger: Logger;
}) {
  const { db, relays, retrySeconds, logger } = deps;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function claim(): Promise<DeliveryRow[]> {
    return db.query<DeliveryRow>(
      `update nostr_deliveries d set leased_until = now() + make_interval(secs => $3)
       from (select item_id, relay from nostr_deliveries
             where sent_at is null and due_at <= now() and (leased_until is null or leased_until < now())
               and relay = any($1::text[])
             order by due_at limit $2 for update skip locked) due
       where d.item_id = due.item_id and d.relay = due.relay
       returning d.item_id, d.relay, d.event_id, d.event, d.attempts`,
      [relays, ROUND_SIZE, LEASE_SECONDS],
    );
  }

  async function sent(row: DeliveryRow): Promise<void> {
    await db.query(
      `update nostr_deliveries set sent_at = now(), leased_until = null, last_error = null
       where item_id = $1 and relay = $2 and event_id = $3`,
      [row.item_id, row.relay, row.event_id],
    );
  }

  async function failed(row: DeliveryRow, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const wait = Math.min(retrySeconds * 2 ** row.attempts, MAX_RETRY_SECONDS);
    logger.warn(
      { relay: row.relay, itemId: row.item_id, eventId: row.event_id, reason, retryInSeconds: wait },
      "Nostr relay did not take the event; retrying later",
    );
    await db.query(
      `update nostr_deliveries
       set attempts = attempts + 1, due_at = now() + make_interval(secs => $4), leased_until = null,
           last_error = $5
       where item_id = $1 and relay = $2 and event_id = $3`,
      [row.item_id, row.relay, row.event_id, wait, reason.slice(0, 500)],
    );
  }

  /** Sends one relay's share of a round over one connection; each event waits for its own OK. */
  async function publishTo(url: string, rows: DeliveryRow[]): Promise<void> {
    let relay: AbstractRelay;
    try {
      relay = await AbstractRelay.connect(url, {
        verifyEvent,
        // Node 20 has no WebSocket of its own; `ws` speaks the same interface.
        websocketImplementation: WebSocket as unknown as typeof globalThis.WebSocket,
        timeout: RELAY_TIMEOUT_MS,
      });
    } catch (error) {
      const reason = error instanceof Error ? error : new Error(`could not connect: ${String(error)}`);
      for (const row of rows) await failed(row, reason);
      return;
    }
    relay.publishTimeout = RELAY_TIMEOUT_MS;
    relay.onnotice = (notice) => logger.debug({ relay: url, notice }, "Nostr relay notice");
    try {
      // Each row is another item (one row per item and relay), so their order does not matter.
      await Promise.all(
        rows.map((row) =>
          // Resolves on OK=true; rejects on OK=false (its reason), a timeout or a closed connection.
          relay.publish(row.event).then(
            () => sent(row),
            (error: unknown) => failed(row, error),
          ),
        ),
      );
    } finally {
      relay.close();
    }
  }

  async function round(): Promise<number> {
    const rows = await claim();
    const byRelay = new Map<string, DeliveryRow[]>();
    for (const row of rows) byRelay.set(row.relay, [...(byRelay.get(row.relay) ?? []), row]);
    await Promise.all([...byRelay].map(([url, share]) => publishTo(url, share)));
    return rows.length;
  }

  return {
    /**
     * Publishes everything due, round after round; calls meanwhile make it look once more rather than
     * start a second run. Never throws: a failure is logged and the deliveries stay due.
     */
    run(): Promise<void> {
      if (stopped) return Promise.resolve();
      again = true;
      running ??= (async () => {
        try {
          while (again && !stopped) {
            again = false;
            while ((await round()) === ROUND_SIZE) {}
          }
        } catch (error) {
          logger.error({ err: error }, "Nostr publishing failed; retried at the next tick");
        } finally {
          running = null;
        }
      })();
      return running;
    },
    /** No round starts after this; resolves when the one under way has finished. */
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

export type NostrPublisher = ReturnType<typeof createNostrPublisher>;
