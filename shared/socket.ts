import { z } from "zod";
import type { Bid, BidPlace } from "./auctions.js";
import type { Deal } from "./deals.js";
import type { ApiError } from "./errors.js";
import type { DealEvent, ItemEvent, TimelineEvent } from "./events.js";
import { ZMessageText } from "./events.js";
import type { Item } from "./items.js";
import { LIMITS } from "./limits.js";
import type { Notification } from "./notifications.js";
import type { RoomActivity } from "./rooms.js";

export const ZItemJoin = z.strictObject({
  itemId: z.uuid(),
  /** Resume: only events with a greater seq are returned. */
  afterSeq: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});
export type ItemJoin = z.infer<typeof ZItemJoin>;

export const ZItemLeave = z.strictObject({ itemId: z.uuid() });
export type ItemLeave = z.infer<typeof ZItemLeave>;

const ZAfterSeq = z
  .int()
  .min(0)
  .max(2 ** 31 - 1)
  .optional();

/** Chosen by the client per message; a retry with the same id acks the first event again. */
export const ZClientMessageId = z
  .string()
  .min(1)
  .max(LIMITS.clientMessageIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, "Use only A-Z, a-z, 0-9, _ and -");

/** A chat message to an item's room (`itemId`) or to a deal's private thread (`dealId`). */
export const ZMessageSend = z.union([
  z.strictObject({ itemId: z.uuid(), text: ZMessageText, clientMessageId: ZClientMessageId }),
  z.strictObject({ dealId: z.uuid(), text: ZMessageText, clientMessageId: ZClientMessageId }),
]);
export type MessageSend = z.infer<typeof ZMessageSend>;
export type ItemMessageSend = Extract<MessageSend, { itemId: string }>;
export type DealMessageSend = Extract<MessageSend, { dealId: string }>;

export const ZDealJoin = z.strictObject({
  dealId: z.uuid(),
  /** Resume: only events with a greater seq are returned. */
  afterSeq: ZAfterSeq,
});
export type DealJoin = z.infer<typeof ZDealJoin>;

export const ZDealLeave = z.strictObject({ dealId: z.uuid() });
export type DealLeave = z.infer<typeof ZDealLeave>;

export const ZTypingSet = z.strictObject({ itemId: z.uuid(), typing: z.boolean() });
export type TypingSet = z.infer<typeof ZTypingSet>;

export const ZModerationWatch = z.strictObject({});

/** `items:subscribe` and `items:unsubscribe` carry nothing. */
export const ZItemsFeed = z.strictObject({});

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ApiError };
export type AckFn<T> = (response: Ack<T>) => void;

/** Ephemeral room state: who is in the room and who is typing; never stored. */
export type Presence = { itemId: string; count: number };
export type Typing = { itemId: string; user: { id: string; displayName: string }; typing: boolean };

export interface ClientToServerEvents {
  "item:join": (payload: ItemJoin, ack: AckFn<{ item: Item; events: ItemEvent[] }>) => void;
  "item:leave": (payload: ItemLeave, ack: AckFn<Record<string, never>>) => void;
  /** Acks the item event for `itemId`, the deal event for `dealId`. */
  "message:send": (payload: MessageSend, ack: AckFn<{ event: TimelineEvent }>) => void;
  "deal:join": (payload: DealJoin, ack: AckFn<{ deal: Deal; events: DealEvent[] }>) => void;
  "deal:leave": (payload: DealLeave, ack: AckFn<Record<string, never>>) => void;
  "typing:set": (payload: TypingSet, ack?: AckFn<Record<string, never>>) => void;
  "moderation:watch": (payload: Record<string, never>, ack: AckFn<{ items: Item[] }>) => void;
  /** The marketplace feed: `items:changed` for every item from then on (v2 amendment 3). */
  "items:subscribe": (payload: Record<string, never>, ack: AckFn<Record<string, never>>) => void;
  "items:unsubscribe": (payload: Record<string, never>, ack: AckFn<Record<string, never>>) => void;
  /** Places or raises the user's maximum on an auctioned item (idempotent by `clientBidId`). */
  "bid:place": (payload: BidPlace, ack: AckFn<{ bid: Bid; item: Item }>) => void;
}

export interface ServerToClientEvents {
  "item:event": (payload: { itemId: string; event: ItemEvent }) => void;
  "items:changed": (payload: { item: Item }) => void;
  /** To sockets in the deal's thread (parties and moderators), once per event, in seq order, after commit. */
  "deal:event": (payload: { dealId: string; event: DealEvent }) => void;
  /** To every socket of the buyer and of the seller, on every transition; `transitions` is per recipient. */
  "deal:changed": (payload: { deal: Deal }) => void;
  "room:presence": (payload: Presence) => void;
  "room:typing": (payload: Typing) => void;
  /** To each member of an item, on their own sockets, when someone else writes to it: unread counts. */
  "room:activity": (payload: RoomActivity) => void;
  /**
   * To every socket of its user, after commit: new, or a conversation's updated (same id); `unread` (an
   * extension) is the user's unread count as of that commit, for the bell.
   */
  notification: (payload: { notification: Notification; unread: number }) => void;
}
