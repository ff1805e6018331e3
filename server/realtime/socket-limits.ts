import type { Typing } from "../../shared/socket.js";

/**
 * Events a socket may send: `perSecond` on average, in bursts of up to `burst`. A browser sends a few a
 * minute; a flooding client is refused at the door, before any parsing, so it cannot slow anyone else.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  take(): boolean {
    const time = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((time - this.#at) / 1000) * this.perSecond);
    this.#at = time;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Open sockets per user and per client address on this process; `admit` refuses one over either cap. */
export class ConnectionCounter {
  readonly #byUser = new Map<string, number>();
  readonly #byAddress = new Map<string, number>();

  constructor(private readonly caps: { perUser: number; perAddress: number }) {}

  /** Counts the connection and returns its release, or null when a cap is reached. Anonymous: `userId` null. */
  admit(userId: string | null, address: string): (() => void) | null {
    if (userId !== null && (this.#byUser.get(userId) ?? 0) >= this.caps.perUser) return null;
    if ((this.#byAddress.get(address) ?? 0) >= this.caps.perAddress) return null;
    if (userId !== null) bump(this.#byUser, userId, 1);
    bump(this.#byAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (userId !== null) bump(this.#byUser, userId, -1);
      bump(this.#byAddress, address, -1);
    };
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/**
 * Ephemeral room state sent at most once per `intervalMs` per room: typing changes are collected per
 * room and user (the latest wins), presence recounts are merged into one. However many a client sends,
 * a room hears a handful a second.
 */
export class RoomCoalescer {
  readonly #typing = new Map<string, Map<string, Typing>>();
  readonly #presence = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      intervalMs: number;
      emitTyping: (typing: Typing) => void;
      emitPresence: (itemId: string) => void;
    },
  ) {}

  typing(typing: Typing): void {
    let room = this.#typing.get(typing.itemId);
    if (!room) {
      room = new Map();
      this.#typing.set(typing.itemId, room);
    }
    room.set(typing.user.id, typing);
    this.#schedule();
  }

  presence(itemId: string): void {
    this.#presence.add(itemId);
    this.#schedule();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.#flush(), this.deps.intervalMs);
    this.#timer.unref();
  }

  #flush(): void {
    this.#timer = null;
    const typing = [...this.#typing.values()].flatMap((room) => [...room.values()]);
    const presence = [...this.#presence];
    this.#typing.clear();
    this.#presence.clear();
    for (const change of typing) this.deps.emitTyping(change);
    for (const itemId of presence) this.deps.emitPresence(itemId);
  }
}
