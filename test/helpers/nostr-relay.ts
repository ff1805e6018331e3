import type { AddressInfo } from "node:net";
import {
  type Event,
  EventRepository,
  type Filter,
  type IncomingMessage,
  LogLevel,
} from "@nostr-relay/common";
import { NostrRelay } from "@nostr-relay/core";
import { matchFilter, type Filter as ToolsFilter } from "nostr-tools/filter";
import { WebSocketServer } from "ws";

/**
 * The relay's storage: `@nostr-relay/core` speaks the protocol (EVENT, OK, REQ, EOSE, signature checks)
 * and asks a repository to keep events; this one keeps them in memory with NIP-01's replacement rule
 * (one event per `kind:pubkey:d` for kinds 30000–39999, the newest; a tie goes to the lowest id) and
 * NIP-09's deletions (by `e` id, and by `a` address up to the deletion's time), and keeps the deletion
 * requests themselves, as relays should.
 */
class MemoryRepository extends EventRepository {
  readonly events = new Map<string, Event>();
  /** Per `kind:pubkey:d`, the time up to which its versions are deleted. */
  private readonly deletedUpTo = new Map<string, number>();

  isSearchSupported(): boolean {
    return false;
  }

  upsert(event: Event) {
    const address = addressOf(event);
    if (address) {
      if (event.created_at <= (this.deletedUpTo.get(address) ?? -1)) return { isDuplicate: true };
      const current = [...this.events.values()].find((stored) => addressOf(stored) === address);
      if (current) {
        const newer =
          event.created_at > current.created_at ||
          (event.created_at === current.created_at && event.id < current.id);
        if (!newer) return { isDuplicate: true };
        this.events.delete(current.id);
      }
    }
    const isDuplicate = this.events.has(event.id);
    this.events.set(event.id, event);
    return { isDuplicate };
  }

  find(filter: Filter): Event[] {
    return [...this.events.values()]
      .filter((event) => matchFilter(filter as ToolsFilter, event))
      .sort((a, b) => b.created_at - a.created_at)
      .slice(0, filter.limit ?? Number.POSITIVE_INFINITY);
  }

  override async deleteByDeletionRequest(deletion: Event): Promise<void> {
    for (const [name, value = ""] of deletion.tags) {
      if (name === "e") {
        const target = this.events.get(value);
        if (target?.pubkey === deletion.pubkey) this.events.delete(value);
      }
      if (name === "a" && value.split(":")[1] === deletion.pubkey) {
        this.deletedUpTo.set(value, Math.max(deletion.created_at, this.deletedUpTo.get(value) ?? -1));
        for (const stored of [...this.events.values()]) {
          if (addressOf(stored) === value && stored.created_at <= deletion.created_at) {
            this.events.delete(stored.id);
          }
        }
      }
    }
    this.events.set(deletion.id, deletion);
  }

  async destroy(): Promise<void> {
    this.events.clear();
  }
}

function addressOf(event: Event): string | null {
  if (event.kind < 30000 || event.kind >= 40000) return null;
  const d = event.tags.find(([name]) => name === "d")?.[1] ?? "";
  return `${event.kind}:${event.pubkey}:${d}`;
}

export type TestRelay = {
  url: string;
  port: number;
  /** What the relay keeps now (replaced versions and deleted events are gone). */
  stored(): Event[];
  /** Every event sent to it, in arrival order, refused ones included. */
  received(): Event[];
  /** Refuses the next `count` events that `which` picks with OK=false, as a relay rate limiting would. */
  refuse(which: (event: Event) => boolean, count: number): void;
  stop(): Promise<void>;
};

/** A Nostr relay on 127.0.0.1 (port 0 by default): `@nostr-relay/core` behind a `ws` server. */
export async function startNostrRelay(port = 0): Promise<TestRelay> {
  const repository = new MemoryRepository();
  const received: Event[] = [];
  let refusal = { which: (_event: Event) => false, count: 0 };
  // No caches of results: a retried event is handled again, and a REQ sees the latest version at once.
  const relay = new NostrRelay(repository, {
    filterResultCacheTtl: 0,
    eventHandlingResultCacheTtl: 0,
    logLevel: LogLevel.ERROR,
  });
  relay.register({
    beforeHandleEvent(event) {
      received.push(event);
      if (refusal.count === 0 || !refusal.which(event)) return { canHandle: true };
      refusal.count--;
      return { canHandle: false, message: "rate-limited: slow down" };
    },
  });
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  server.on("connection", (socket) => {
    relay.handleConnection(socket);
    socket.on("message", (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (Array.isArray(message)) void relay.handleMessage(socket, message as IncomingMessage);
    });
    socket.on("close", () => relay.handleDisconnect(socket));
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${bound}`,
    port: bound,
    stored: () => [...repository.events.values()],
    received: () => [...received],
    refuse(which, count) {
      refusal = { which, count };
    },
    async stop() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.destroy();
    },
  };
}
