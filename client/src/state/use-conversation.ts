import { useCallback, useEffect, useRef, useState } from "react";
import type { TimelineEvent } from "../../../shared/events.js";
import { LIMITS } from "../../../shared/limits.js";
import { type ParleySocket, SocketRequestError } from "../api/socket.js";
import { newId } from "./ids.js";
import { applyModeration, moderationTarget } from "./moderation.js";
import { useRealtime } from "./realtime.js";
import { useSession } from "./session.js";

export type PendingMessage = {
  clientMessageId: string;
  text: string;
  status: "sending" | "failed";
  error?: string;
};

/**
 * How to speak to one conversation (an item's room, a deal's thread): the only part that differs
 * between them. `Head` is what a join answers besides the events (the item, the deal).
 */
export type Channel<Head, E extends TimelineEvent> = {
  join(socket: ParleySocket, afterSeq: number | undefined): Promise<{ head: Head; events: E[] }>;
  leave(socket: ParleySocket): Promise<unknown>;
  /** Events with seq > `after`, over HTTP: fills gaps and refetches restored messages. */
  history(after: number, limit?: number): Promise<E[]>;
  send(socket: ParleySocket, text: string, clientMessageId: string): Promise<E>;
  /** Listens to this conversation's live events; answers the way to stop. */
  live(socket: ParleySocket, onEvent: (event: E) => void): () => void;
  /** Whether an event belongs here (a socket carries every conversation it joined). */
  owns(event: E): boolean;
  /** What to say when the join is refused with `not_found`, `forbidden` or `bad_request` (a mistyped link). */
  missing: string;
};

/**
 * One conversation's timeline, the same for item rooms and deal threads. It is keyed by seq, so an
 * event that arrives twice (live and in a rejoin) is kept once; a gap in the seqs is filled over HTTP;
 * every (re)connect rejoins with `afterSeq` = the last contiguous seq seen. A message sent here shows
 * as a pending bubble until its event comes back, matched by `clientMessageId`, never by text.
 * A join may answer with the latest events only (an item room: `LIMITS.joinHistoryMax`): older pages
 * load over HTTP when the reader scrolls to the top (`hasOlder`, `loadOlder`), not as a gap to fill.
 */
export function useConversation<Head, E extends TimelineEvent>(
  channel: Channel<Head, E>,
  options: {
    /** Each (re)join's head: the item or the deal as the server sees it now. */
    onJoined(head: Head): void;
    /** Each event the first time it is seen, in seq order. */
    onFresh?(event: E): void;
  },
) {
  const { socket, epoch } = useRealtime();
  const { user } = useSession();
  const [events, setEvents] = useState<E[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingMessage[]>([]);

  const byseq = useRef(new Map<number, E>());
  const contiguous = useRef(0);
  const filling = useRef(false);
  /** Older events exist up to this seq but are not loaded: a join answers with the latest ones only. */
  const floor = useRef(0);
  const [hasOlder, setHasOlder] = useState(false);
  const loadingOlder = useRef(false);
  const pendingRef = useRef<PendingMessage[]>([]);
  /** The seq of the latest hide or restore seen for each target. */
  const lastModeration = useRef(new Map<number, number>());
  // The callbacks change every render; the effects below must not rerun for that.
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const updatePending = useCallback((update: (list: PendingMessage[]) => PendingMessage[]) => {
    pendingRef.current = update(pendingRef.current);
    setPending(pendingRef.current);
  }, []);

  const show = useCallback(() => {
    setEvents([...byseq.current.values()].sort((a, b) => a.seq - b.seq));
  }, []);

  /** A restored message, fetched again: only if no later hide or restore of it arrived meanwhile. */
  const refetch = useCallback(
    (seq: number, bySeq: number) => {
      channel.history(seq - 1, 1).then(
        ([restored]) => {
          if (!restored || restored.seq !== seq || lastModeration.current.get(seq) !== bySeq) return;
          byseq.current.set(seq, restored);
          show();
        },
        () => {},
      );
    },
    [channel, show],
  );

  const merge = useCallback(
    (incoming: E[]) => {
      const map = byseq.current;
      const fresh = new Set<number>();
      for (const event of [...incoming].sort((a, b) => a.seq - b.seq)) {
        if (!channel.owns(event) || map.has(event.seq)) continue;
        map.set(event.seq, event);
        fresh.add(event.seq);
        optionsRef.current.onFresh?.(event);
        // A target that came in this same batch is already as the server sees it now; an older one
        // on screen changes here: blanked (or marked, for moderators) on a hide, brought back on a restore.
        const targetSeq = moderationTarget(event);
        const target = targetSeq === null || fresh.has(targetSeq) ? undefined : map.get(targetSeq);
        if (target) {
          lastModeration.current.set(target.seq, event.seq);
          const next = applyModeration(target, event, user?.role === "moderator");
          if (next === "refetch") refetch(target.seq, event.seq);
          else map.set(target.seq, next);
        }
      }
      if (fresh.size === 0) return;
      // The broadcast of our own message can overtake its ack: retire its pending bubble now, not twice on screen.
      const delivered = new Set(
        incoming.filter((event) => event.author?.id === user?.id).map((event) => event.clientMessageId),
      );
      if (pendingRef.current.some((p) => delivered.has(p.clientMessageId))) {
        updatePending((list) => list.filter((p) => !delivered.has(p.clientMessageId)));
      }
      let last = contiguous.current;
      while (map.has(last + 1)) last += 1;
      contiguous.current = last;
      show();
      const newest = Math.max(...map.keys());
      if (newest > last && !filling.current) {
        // A live event overtook one we never saw (a reconnect, a dropped packet): fetch what lies between.
        filling.current = true;
        channel
          .history(last)
          .then((missing) => {
            filling.current = false;
            merge(missing);
          })
          .catch(() => {
            filling.current = false;
          });
      }
    },
    [channel, user?.role, user?.id, refetch, show, updatePending],
  );

  const deliver = useCallback(
    async (message: PendingMessage) => {
      if (!socket) return;
      try {
        merge([await channel.send(socket, message.text, message.clientMessageId)]);
        updatePending((list) => list.filter((p) => p.clientMessageId !== message.clientMessageId));
      } catch (error) {
        const reason =
          error instanceof SocketRequestError && error.code !== "timeout"
            ? error.message
            : "Not sent yet: the connection dropped";
        updatePending((list) =>
          list.map((p) =>
            p.clientMessageId === message.clientMessageId ? { ...p, status: "failed", error: reason } : p,
          ),
        );
      }
    },
    [socket, channel, merge, updatePending],
  );

  // Join on every (re)connect, resuming after the last contiguous seq; then resend what was in flight.
  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch is the trigger: it changes on every reconnect
  useEffect(() => {
    if (!socket?.connected) return;
    let cancelled = false;
    const afterSeq = contiguous.current;
    channel.join(socket, afterSeq > 0 ? afterSeq : undefined).then(
      (joined) => {
        if (cancelled) return;
        setError(null);
        optionsRef.current.onJoined(joined.head);
        const first = joined.events[0]?.seq ?? 0;
        if (afterSeq === 0 && first > 1) {
          // The latest page only: older pages load on demand (`loadOlder`), not as a gap to fill now.
          contiguous.current = first - 1;
          floor.current = first - 1;
          setHasOlder(true);
        }
        merge(joined.events);
        for (const message of pendingRef.current) {
          if (message.status === "failed" && message.error?.startsWith("Not sent yet")) {
            updatePending((list) =>
              list.map((p) =>
                p.clientMessageId === message.clientMessageId ? { ...p, status: "sending" } : p,
              ),
            );
            void deliver(message);
          }
        }
      },
      (failure: unknown) => {
        if (cancelled) return;
        // A mistyped link (not an id at all: bad_request) is as final as an unknown id: no retry will help.
        setError(
          failure instanceof SocketRequestError &&
            (failure.code === "not_found" || failure.code === "forbidden" || failure.code === "bad_request")
            ? channel.missing
            : "Could not open this conversation. Retrying when the connection returns.",
        );
      },
    );
    return () => {
      cancelled = true;
    };
  }, [socket, epoch, channel, merge, deliver, updatePending]);

  // Leave only when the conversation closes: never on a reconnect or any other re-render.
  useEffect(() => {
    if (!socket) return;
    return () => {
      if (socket.connected) channel.leave(socket).catch(() => {});
    };
  }, [socket, channel]);

  useEffect(() => {
    if (!socket) return;
    return channel.live(socket, (event) => merge([event]));
  }, [socket, channel, merge]);

  const send = useCallback(
    (text: string) => {
      const message: PendingMessage = { clientMessageId: newId(), text, status: "sending" };
      updatePending((list) => [...list, message]);
      void deliver(message);
    },
    [deliver, updatePending],
  );

  const retry = useCallback(
    (clientMessageId: string) => {
      const message = pendingRef.current.find((p) => p.clientMessageId === clientMessageId);
      if (!message) return;
      updatePending((list) =>
        list.map((p) =>
          p.clientMessageId === clientMessageId ? { ...p, status: "sending", error: undefined } : p,
        ),
      );
      void deliver({ ...message, status: "sending" });
    },
    [deliver, updatePending],
  );

  /** Loads the page of events before the oldest one shown (the reader scrolled to the top). */
  const loadOlder = useCallback(() => {
    const before = floor.current;
    if (before <= 0 || loadingOlder.current) return;
    loadingOlder.current = true;
    // A page of older events: the most the API answers at once.
    const after = Math.max(0, before - LIMITS.eventsPageMax);
    channel
      .history(after, before - after)
      .then((older) => {
        floor.current = after;
        setHasOlder(after > 0);
        merge(older);
      })
      .catch(() => {})
      .finally(() => {
        loadingOlder.current = false;
      });
  }, [channel, merge]);

  return { events, error, pending, send, retry, merge, hasOlder, loadOlder };
}
