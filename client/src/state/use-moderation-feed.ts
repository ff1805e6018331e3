import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { conversationOf, type TimelineEvent, ZDealEvent } from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import { api } from "../api/http.js";
import { SocketRequestError, watchModeration } from "../api/socket.js";
import { applyModeration, moderationTarget } from "./moderation.js";
import { useRealtime } from "./realtime.js";

/** How many events the console keeps in memory; older ones drop off the bottom. */
const FEED_MAX = 500;
/** On opening, the last few events of the most active rooms, so the stream does not start empty. */
const BACKFILL_ROOMS = 12;
const BACKFILL_EVENTS = 6;

/** One key per event across rooms and deal threads: each numbers its own events. */
export const feedKey = (event: TimelineEvent) => `${conversationOf(event)}:${event.seq}`;

export type FeedState = {
  /** Newest first: item rooms' events and deals' private threads'. */
  events: TimelineEvent[];
  /** Every item the console has heard of, most recently active first. */
  items: Item[];
  status: "connecting" | "live" | "error";
  error: string | null;
  /** An event from an HTTP answer (a hide or restore): applied now rather than when it arrives live. */
  merge(events: TimelineEvent[]): void;
  updateItem(item: Item): void;
};

/**
 * The moderator's view of every room at once: `moderation:watch` on every (re)connect, then every
 * `item:event`, and every deal thread's `deal:event`. Hides and restores are applied to the messages on
 * screen, which moderators keep whole.
 */
export function useModerationFeed(): FeedState {
  const { socket, epoch } = useRealtime();
  const byKey = useRef(new Map<string, TimelineEvent>());
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [items, setItems] = useState<Map<string, Item>>(new Map());
  const [status, setStatus] = useState<FeedState["status"]>("connecting");
  const [error, setError] = useState<string | null>(null);
  const lookedUp = useRef(new Set<string>());

  const updateItem = useCallback((item: Item) => {
    setItems((current) => new Map(current).set(item.id, item));
  }, []);

  const merge = useCallback(
    (incoming: TimelineEvent[]) => {
      const map = byKey.current;
      let changed = false;
      for (const event of [...incoming].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
        if (map.has(feedKey(event))) continue;
        map.set(feedKey(event), event);
        changed = true;
        const targetSeq = moderationTarget(event);
        const target = targetSeq === null ? undefined : map.get(`${conversationOf(event)}:${targetSeq}`);
        if (target) {
          const next = applyModeration(target, event, true);
          if (next !== "refetch") map.set(feedKey(target), next);
        }
        // A room that was quiet when the watch began: learn its title once.
        if ("itemId" in event && !lookedUp.current.has(event.itemId)) {
          lookedUp.current.add(event.itemId);
          api.getItem(event.itemId).then(
            ({ item }) => updateItem(item),
            () => {},
          );
        }
      }
      if (!changed) return;
      let list = [...map.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.seq - a.seq);
      if (list.length > FEED_MAX) {
        for (const old of list.slice(FEED_MAX)) map.delete(feedKey(old));
        list = list.slice(0, FEED_MAX);
      }
      setEvents(list);
    },
    [updateItem],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch is the trigger: every reconnect watches again
  useEffect(() => {
    if (!socket?.connected) return;
    let cancelled = false;
    watchModeration(socket).then(
      ({ items: recent }) => {
        if (cancelled) return;
        setStatus("live");
        setError(null);
        setItems((current) => {
          const next = new Map(current);
          for (const item of recent) {
            next.set(item.id, item);
            lookedUp.current.add(item.id);
          }
          return next;
        });
        for (const item of recent.slice(0, BACKFILL_ROOMS)) {
          api.events(item.id, Math.max(0, item.lastSeq - BACKFILL_EVENTS), BACKFILL_EVENTS).then(
            ({ events: latest }) => !cancelled && merge(latest),
            () => {},
          );
        }
      },
      (failure: unknown) => {
        if (cancelled) return;
        setStatus("error");
        setError(
          failure instanceof SocketRequestError && failure.code === "forbidden"
            ? "Only moderators can watch every room."
            : "Could not start watching. Retrying when the connection returns.",
        );
      },
    );
    return () => {
      cancelled = true;
    };
  }, [socket, epoch, merge]);

  useEffect(() => {
    if (!socket) return;
    const onEvent = ({ event }: { event: TimelineEvent }) => merge([event]);
    const onDealEvent = ({ event }: { event: unknown }) => {
      const parsed = ZDealEvent.safeParse(event);
      if (parsed.success) merge([parsed.data]);
    };
    const onChanged = ({ item }: { item: Item }) =>
      setItems((current) => (current.has(item.id) ? new Map(current).set(item.id, item) : current));
    socket.on("item:event", onEvent);
    socket.on("items:changed", onChanged);
    socket.on("deal:event", onDealEvent);
    return () => {
      socket.off("deal:event", onDealEvent);
      socket.off("item:event", onEvent);
      socket.off("items:changed", onChanged);
    };
  }, [socket, merge]);

  // Once per change, not per render: the console's memos downstream depend on this array's identity.
  const itemList = useMemo(() => {
    const latest = new Map<string, string>();
    for (const event of events) {
      if ("itemId" in event && !latest.has(event.itemId)) latest.set(event.itemId, event.createdAt);
    }
    const active = (item: Item) => latest.get(item.id) ?? item.updatedAt;
    return [...items.values()].sort((a, b) => active(b).localeCompare(active(a)));
  }, [items, events]);

  return { events, items: itemList, status, error, merge, updateItem };
}
