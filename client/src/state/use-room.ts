import { useCallback, useEffect, useRef, useState } from "react";
import { bodyOf, type ItemEvent } from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import { LIMITS } from "../../../shared/limits.js";
import { api } from "../api/http.js";
import { joinItem, leaveItem, SocketRequestError, sendMessage, setTyping } from "../api/socket.js";
import { newId } from "./ids.js";
import { applyModeration, moderationTarget } from "./moderation.js";
import { useRealtime } from "./realtime.js";
import { useSession } from "./session.js";
import { useUnread } from "./unread.js";

export type PendingMessage = {
  clientMessageId: string;
  text: string;
  status: "sending" | "failed";
  error?: string;
};

type TypingPerson = { id: string; displayName: string };

const TYPING_SHOWN_MS = 6_000;
/** Events per older page, the most the API answers at once. */
const OLDER_PAGE = LIMITS.eventsPageMax;

/**
 * One item room: its item, its timeline and its ephemeral state. The timeline is keyed by seq, so an
 * event that arrives twice (live and in a rejoin) is kept once; a gap in the seqs is filled over HTTP;
 * every (re)connect rejoins with `afterSeq` = the last contiguous seq seen.
 */
export function useRoom(itemId: string) {
  const { socket, epoch } = useRealtime();
  const { user } = useSession();
  const unread = useUnread();
  const [item, setItem] = useState<Item | null>(null);
  const [events, setEvents] = useState<ItemEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [presence, setPresence] = useState(0);
  const [typing, setTypingPeople] = useState<TypingPerson[]>([]);
  const [pending, setPending] = useState<PendingMessage[]>([]);

  const byseq = useRef(new Map<number, ItemEvent>());
  const contiguous = useRef(0);
  const detailsSeq = useRef(0);
  const filling = useRef(false);
  const pendingRef = useRef<PendingMessage[]>([]);
  const readMark = useRef(0);
  /** Older events exist up to this seq but are not loaded: a join answers with the latest ones only. */
  const floor = useRef(0);
  const [hasOlder, setHasOlder] = useState(false);
  const loadingOlder = useRef(false);
  /** The seq of the latest hide or restore seen for each target. */
  const lastModeration = useRef(new Map<number, number>());

  const updatePending = useCallback((update: (list: PendingMessage[]) => PendingMessage[]) => {
    pendingRef.current = update(pendingRef.current);
    setPending(pendingRef.current);
  }, []);

  /** A restored message, fetched again: only if no later hide or restore of it arrived meanwhile. */
  const refetch = useCallback(
    (seq: number, bySeq: number) => {
      api.events(itemId, seq - 1, 1).then(
        ({ events: [restored] }) => {
          if (!restored || restored.seq !== seq || lastModeration.current.get(seq) !== bySeq) return;
          byseq.current.set(seq, restored);
          setEvents([...byseq.current.values()].sort((a, b) => a.seq - b.seq));
        },
        () => {},
      );
    },
    [itemId],
  );

  const merge = useCallback(
    (incoming: ItemEvent[]) => {
      const map = byseq.current;
      const fresh = new Set<number>();
      for (const event of [...incoming].sort((a, b) => a.seq - b.seq)) {
        if (event.itemId !== itemId) continue;
        if (map.has(event.seq)) continue;
        map.set(event.seq, event);
        fresh.add(event.seq);
        const details = bodyOf(event, "custom:item_details");
        if (details && event.seq > detailsSeq.current && !("hidden" in details)) {
          detailsSeq.current = event.seq;
          setItem((current) => (current ? { ...current, ...details } : current));
        }
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
      const mineNow = incoming.filter((event) => event.type === "text" && event.author?.id === user?.id);
      if (mineNow.length > 0 && pendingRef.current.length > 0) {
        let pending = pendingRef.current;
        for (const event of mineNow) {
          const text = bodyOf(event, "text")?.text;
          const index = pending.findIndex((p) => p.status === "sending" && p.text === text);
          if (index >= 0) pending = pending.filter((_, i) => i !== index);
        }
        if (pending !== pendingRef.current) {
          pendingRef.current = pending;
          setPending(pending);
        }
      }
      let last = contiguous.current;
      while (map.has(last + 1)) last += 1;
      contiguous.current = last;
      setEvents([...map.values()].sort((a, b) => a.seq - b.seq));
      const newest = Math.max(...map.keys());
      if (newest > last && !filling.current) {
        // A live event overtook one we never saw (a reconnect, a dropped packet): fetch what lies between.
        filling.current = true;
        api
          .events(itemId, last)
          .then(({ events: missing }) => {
            filling.current = false;
            merge(missing);
          })
          .catch(() => {
            filling.current = false;
          });
      }
    },
    [itemId, user?.role, user?.id, refetch],
  );

  const deliver = useCallback(
    async (message: PendingMessage) => {
      if (!socket) return;
      try {
        const { event } = await sendMessage(socket, {
          itemId,
          text: message.text,
          clientMessageId: message.clientMessageId,
        });
        merge([event]);
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
    [socket, itemId, merge, updatePending],
  );

  // Join on every (re)connect, resuming after the last contiguous seq; then resend what was in flight.
  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch is the trigger: it changes on every reconnect
  useEffect(() => {
    if (!socket?.connected) return;
    let cancelled = false;
    const afterSeq = contiguous.current;
    joinItem(socket, afterSeq > 0 ? { itemId, afterSeq } : { itemId }).then(
      (joined) => {
        if (cancelled) return;
        setError(null);
        setItem(joined.item);
        detailsSeq.current = Math.max(detailsSeq.current, joined.item.lastSeq);
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
      (error: unknown) => {
        if (cancelled) return;
        setError(
          error instanceof SocketRequestError && error.code === "not_found"
            ? "This item does not exist (or was removed)."
            : "Could not open this room. Retrying when the connection returns.",
        );
      },
    );
    return () => {
      cancelled = true;
    };
  }, [socket, epoch, itemId, merge, deliver, updatePending]);

  // Leave only when the room closes: never on a reconnect or any other re-render.
  const { setOpenRoom } = unread;
  useEffect(() => {
    if (!socket) return;
    setOpenRoom(itemId);
    return () => {
      setOpenRoom(null);
      if (socket.connected) leaveItem(socket, itemId).catch(() => {});
    };
  }, [socket, itemId, setOpenRoom]);

  useEffect(() => {
    if (!socket) return;
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const onEvent = ({ itemId: id, event }: { itemId: string; event: ItemEvent }) => {
      if (id !== itemId) return;
      merge([event]);
      // Someone who sends has stopped typing.
      if (event.author) dropTyping(event.author.id);
    };
    const onChanged = ({ item: changed }: { item: Item }) => {
      if (changed.id === itemId) setItem(changed);
    };
    const onPresence = ({ itemId: id, count }: { itemId: string; count: number }) => {
      if (id === itemId) setPresence(count);
    };
    const dropTyping = (userId: string) => {
      clearTimeout(timers.get(userId));
      timers.delete(userId);
      setTypingPeople((people) => people.filter((p) => p.id !== userId));
    };
    const onTyping = ({
      itemId: id,
      user: who,
      typing: on,
    }: {
      itemId: string;
      user: TypingPerson;
      typing: boolean;
    }) => {
      if (id !== itemId) return;
      dropTyping(who.id);
      if (!on) return;
      setTypingPeople((people) => [...people, who]);
      timers.set(
        who.id,
        setTimeout(() => dropTyping(who.id), TYPING_SHOWN_MS),
      );
    };
    socket.on("item:event", onEvent);
    socket.on("items:changed", onChanged);
    socket.on("room:presence", onPresence);
    socket.on("room:typing", onTyping);
    return () => {
      socket.off("item:event", onEvent);
      socket.off("items:changed", onChanged);
      socket.off("room:presence", onPresence);
      socket.off("room:typing", onTyping);
      for (const timer of timers.values()) clearTimeout(timer);
    };
  }, [socket, itemId, merge]);

  // Everything on screen is read: move the read mark (debounced) so unread counts stay true.
  const lastSeq = events.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastSeq <= readMark.current) return;
    const timer = setTimeout(() => {
      readMark.current = lastSeq;
      api.markRead(itemId, lastSeq).catch(() => {});
    }, 300);
    return () => clearTimeout(timer);
  }, [lastSeq, itemId]);

  const send = useCallback(
    (text: string) => {
      const message: PendingMessage = { clientMessageId: newId(), text, status: "sending" };
      updatePending((list) => [...list, message]);
      if (socket) setTyping(socket, itemId, false);
      void deliver(message);
    },
    [deliver, updatePending, socket, itemId],
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
    const after = Math.max(0, before - OLDER_PAGE);
    api
      .events(itemId, after, before - after)
      .then(({ events: older }) => {
        floor.current = after;
        setHasOlder(after > 0);
        merge(older);
      })
      .catch(() => {})
      .finally(() => {
        loadingOlder.current = false;
      });
  }, [itemId, merge]);

  const typingChanged = useCallback(
    (on: boolean) => {
      if (socket) setTyping(socket, itemId, on);
    },
    [socket, itemId],
  );

  return {
    item,
    setItem,
    events,
    error,
    presence,
    typing,
    pending,
    send,
    retry,
    typingChanged,
    merge,
    hasOlder,
    loadOlder,
  };
}
