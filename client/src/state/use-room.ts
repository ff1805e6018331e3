import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { bodyOf, type ItemEvent, ZItemEvent } from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import { api } from "../api/http.js";
import { joinItem, leaveItem, sendMessage, setTyping } from "../api/socket.js";
import { useRealtime } from "./realtime.js";
import { useUnread } from "./unread.js";
import { type Channel, useConversation } from "./use-conversation.js";

type TypingPerson = { id: string; displayName: string };

const TYPING_SHOWN_MS = 6_000;

/** An item's public room as a conversation. */
function itemChannel(itemId: string): Channel<Item, ItemEvent> {
  return {
    join: async (socket, afterSeq) => {
      const { item, events } = await joinItem(socket, afterSeq ? { itemId, afterSeq } : { itemId });
      return { head: item, events };
    },
    leave: (socket) => leaveItem(socket, itemId),
    history: async (after, limit) => (await api.events(itemId, after, limit)).events,
    send: (socket, text, clientMessageId) => sendMessage(socket, { itemId, text, clientMessageId }),
    live: (socket, onEvent) => {
      const listener = ({ itemId: id, event }: { itemId: string; event: unknown }) => {
        const result = ZItemEvent.safeParse(event);
        if (id === itemId && result.success) onEvent(result.data);
      };
      socket.on("item:event", listener);
      return () => socket.off("item:event", listener);
    },
    owns: (event) => event.itemId === itemId,
    missing: "No such item. Check the link, or find the item in the marketplace.",
  };
}

/** The item's auction after a live `custom:bid` or `custom:auction` (the item itself is not republished). */
function withAuctionEvent(item: Item, event: ItemEvent): Item {
  const auction = item.auction;
  if (!auction) return item;
  const bid = bodyOf(event, "custom:bid");
  if (bid && !("hidden" in bid)) {
    const leader =
      bid.leaderId === bid.bidder.id
        ? bid.bidder
        : auction.leader?.id === bid.leaderId
          ? auction.leader
          : null;
    const bidCount = bid.bidCount ?? auction.bidCount + 1;
    return { ...item, auction: { ...auction, currentPrice: bid.amount, leader, bidCount } };
  }
  const change = bodyOf(event, "custom:auction");
  if (!change || "hidden" in change) return item;
  if (change.status === "extended") return { ...item, auction: { ...auction, endsAt: change.endsAt } };
  return {
    ...item,
    auction: {
      ...auction,
      status: "ended",
      currentPrice: change.amount,
      leader: change.winner,
      reserveMet: change.reserveMet,
    },
  };
}

/**
 * One item room: its item, its conversation (`useConversation`) and its ephemeral state: who is here,
 * who is typing, how far the reader has read.
 */
export function useRoom(itemId: string) {
  const { socket } = useRealtime();
  const unread = useUnread();
  const [item, setItem] = useState<Item | null>(null);
  const [presence, setPresence] = useState(0);
  const [typing, setTypingPeople] = useState<TypingPerson[]>([]);
  const detailsSeq = useRef(0);
  const readMark = useRef(0);

  const channel = useMemo(() => itemChannel(itemId), [itemId]);
  const conversation = useConversation(channel, {
    onJoined: (joined) => {
      setItem(joined);
      detailsSeq.current = Math.max(detailsSeq.current, joined.lastSeq);
    },
    onFresh: (event) => {
      if (event.seq > detailsSeq.current) setItem((current) => current && withAuctionEvent(current, event));
      const details = bodyOf(event, "custom:item_details");
      if (details && event.seq > detailsSeq.current && !("hidden" in details)) {
        detailsSeq.current = event.seq;
        setItem((current) => (current ? { ...current, ...details } : current));
      }
    },
  });

  const { setOpenRoom } = unread;
  useEffect(() => {
    if (!socket) return;
    setOpenRoom(itemId);
    return () => setOpenRoom(null);
  }, [socket, itemId, setOpenRoom]);

  useEffect(() => {
    if (!socket) return;
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const dropTyping = (userId: string) => {
      clearTimeout(timers.get(userId));
      timers.delete(userId);
      setTypingPeople((people) => people.filter((p) => p.id !== userId));
    };
    // Someone who sends has stopped typing.
    const onEvent = ({ itemId: id, event }: { itemId: string; event: ItemEvent }) => {
      if (id === itemId && event.author) dropTyping(event.author.id);
    };
    const onChanged = ({ item: changed }: { item: Item }) => {
      if (changed.id === itemId) setItem(changed);
    };
    const onPresence = ({ itemId: id, count }: { itemId: string; count: number }) => {
      if (id === itemId) setPresence(count);
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
  }, [socket, itemId]);

  // Everything on screen is read: move the read mark (debounced) so unread counts stay true.
  const lastSeq = conversation.events.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastSeq <= readMark.current) return;
    const timer = setTimeout(() => {
      readMark.current = lastSeq;
      api.markRead(itemId, lastSeq).catch(() => {});
    }, 300);
    return () => clearTimeout(timer);
  }, [lastSeq, itemId]);

  const { send: sendText } = conversation;
  const send = useCallback(
    (text: string) => {
      if (socket) setTyping(socket, itemId, false);
      sendText(text);
    },
    [socket, itemId, sendText],
  );

  const typingChanged = useCallback(
    (on: boolean) => {
      if (socket) setTyping(socket, itemId, on);
    },
    [socket, itemId],
  );

  return { ...conversation, item, setItem, presence, typing, send, typingChanged };
}
