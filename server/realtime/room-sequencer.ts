type Sequenced = { seq: number };

type Room<E extends Sequenced> = {
  /** The next seq this process emits to the room; null until the first join has read the history. */
  next: number | null;
  /** Events that arrived ahead of `next`, or during a join. */
  pending: Map<number, E>;
  /** Joins reading history right now: emits wait for them so none falls between history and room. */
  joining: number;
  /** Joins to one room run one at a time. */
  queue: Promise<unknown>;
  gapTimer: NodeJS.Timeout | null;
  /** A drain is queued for the end of this turn's synchronous work. */
  draining: boolean;
};

export type RoomSequencerDeps<E extends Sequenced> = {
  /** The conversation an event belongs to (an item's room, a deal's thread). */
  keyOf(event: E): string;
  /** Emits a run of consecutive events (one or more, in seq order) to this process's sockets in the conversation's room. */
  emit(events: E[]): void;
  /** Committed events with `after < seq < before`, from the database: fills a gap. */
  load(key: string, after: number, before: number): Promise<E[]>;
  /** Whether any socket of this process is still in the conversation's room. */
  hasLocalMembers(key: string): boolean;
  onError(error: unknown): void;
  /** How long a missing seq is awaited before it is read from the database. */
  gapMs?: number;
};

/**
 * Delivers each conversation's (item room's, deal thread's) committed events to this process's sockets in the item's room once each, in seq
 * order, whichever process wrote them.
 *
 * Within one process `Timeline` publishes in seq order, but two processes writing to one item publish
 * through Redis independently: the row lock orders their commits, not their publishes, so seq 6 from one
 * process can reach a third before seq 5 from another. And an event committed just before a join read
 * the history can arrive after the socket joined the room. So every process keeps, per item with local
 * members, the next seq it will emit: earlier seqs are dropped (already delivered or in the joiner's
 * history), later ones wait for the missing one, and a seq that never comes (its writer died between
 * commit and publish, or Redis dropped it) is read from the database after `gapMs`.
 */
export class RoomSequencer<E extends Sequenced> {
  readonly #rooms = new Map<string, Room<E>>();
  readonly #gapMs: number;

  constructor(private readonly deps: RoomSequencerDeps<E>) {
    this.#gapMs = deps.gapMs ?? 500;
  }

  /**
   * A committed event, from this process or another. It is emitted once the code that offers it has
   * finished its turn (a microtask later), with the events offered beside it: a batch's events reach
   * each socket as one run.
   */
  offer(event: E): void {
    const key = this.deps.keyOf(event);
    const room = this.#rooms.get(key);
    // No local member: nobody here to deliver to, and a later join reads it from the database.
    if (!room) return;
    if (room.next !== null && event.seq < room.next) return;
    room.pending.set(event.seq, event);
    if (room.draining) return;
    room.draining = true;
    queueMicrotask(() => {
      room.draining = false;
      if (this.#rooms.get(key) !== room) return;
      // Off the offerer's stack: a failing emit is reported, not thrown into the microtask queue.
      try {
        this.#drain(key, room);
      } catch (error) {
        this.deps.onError(error);
      }
    });
  }

  /**
   * Runs a join: `read(before)` must read the history (only seqs below `before` when it is a number),
   * join the socket to the room, and return the greatest seq the history could contain. Live events
   * from `before` (or that seq + 1) on are emitted to the room afterwards.
   */
  async join<T>(
    itemId: string,
    read: (before: number | null) => Promise<{ value: T; lastSeq: number }>,
  ): Promise<T> {
    const room = this.#room(itemId);
    room.joining++;
    const run = room.queue.then(async () => {
      const { value, lastSeq } = await read(room.next);
      if (room.next === null) room.next = lastSeq + 1;
      return value;
    });
    room.queue = run.catch(() => {});
    try {
      return await run;
    } finally {
      room.joining--;
      this.#drain(itemId, room);
      this.release(itemId);
    }
  }

  /** Forgets an item once no local socket is in its room (after a leave or a disconnect). */
  release(itemId: string): void {
    const room = this.#rooms.get(itemId);
    if (!room || room.joining > 0 || this.deps.hasLocalMembers(itemId)) return;
    if (room.gapTimer) clearTimeout(room.gapTimer);
    this.#rooms.delete(itemId);
  }

  #room(itemId: string): Room<E> {
    let room = this.#rooms.get(itemId);
    if (!room) {
      room = {
        next: null,
        pending: new Map(),
        joining: 0,
        queue: Promise.resolve(),
        gapTimer: null,
        draining: false,
      };
      this.#rooms.set(itemId, room);
    }
    return room;
  }

  #drain(itemId: string, room: Room<E>): void {
    if (room.joining > 0 || room.next === null) return;
    const run: E[] = [];
    for (let event = room.pending.get(room.next); event; event = room.pending.get(room.next)) {
      room.pending.delete(room.next);
      room.next++;
      run.push(event);
    }
    if (run.length > 0) this.deps.emit(run);
    for (const seq of room.pending.keys()) if (seq < room.next) room.pending.delete(seq);
    if (room.pending.size === 0) {
      if (room.gapTimer) clearTimeout(room.gapTimer);
      room.gapTimer = null;
    } else if (!room.gapTimer) {
      room.gapTimer = setTimeout(() => this.#fillGap(itemId, room), this.#gapMs);
      room.gapTimer.unref();
    }
  }

  #fillGap(itemId: string, room: Room<E>): void {
    room.gapTimer = null;
    if (this.#rooms.get(itemId) !== room || room.next === null || room.pending.size === 0) return;
    const before = Math.min(...room.pending.keys());
    this.deps.load(itemId, room.next - 1, before).then(
      (events) => {
        for (const event of events) this.offer(event);
        // Still stuck (a read that raced a join): try again later.
        if (this.#rooms.get(itemId) === room) this.#drain(itemId, room);
      },
      (error: unknown) => {
        this.deps.onError(error);
        if (this.#rooms.get(itemId) === room) this.#drain(itemId, room);
      },
    );
  }
}
