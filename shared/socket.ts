import { z } from "zod";
import type { ApiError } from "./errors.js";
import type { ItemEvent } from "./events.js";
import { ZMessageText } from "./events.js";
import type { Item } from "./items.js";
import { LIMITS } from "./limits.js";
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

export const ZMessageSend = z.strictObject({
  itemId: z.uuid(),
  text: ZMessageText,
  /** Chosen by the client per message; a retry with the same id acks the first event again. */
  clientMessageId: z
    .string()
    .min(1)
    .max(LIMITS.clientMessageIdMax)
    .regex(/^[A-Za-z0-9_-]+$/, "Use only A-Z, a-z, 0-9, _ and -"),
});
export type MessageSend = z.infer<typeof ZMessageSend>;

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
  "message:send": (payload: MessageSend, ack: AckFn<{ event: ItemEvent }>) => void;
  "typing:set": (payload: TypingSet, ack?: AckFn<Record<string, never>>) => void;
  "moderation:watch": (payload: Record<string, never>, ack: AckFn<{ items: Item[] }>) => void;
  /** The marketplace feed: `items:changed` for every item from then on (v2 amendment 3). */
  "items:subscribe": (payload: Record<string, never>, ack: AckFn<Record<string, never>>) => void;
  "items:unsubscribe": (payload: Record<string, never>, ack: AckFn<Record<string, never>>) => void;
}

export interface ServerToClientEvents {
  "item:event": (payload: { itemId: string; event: ItemEvent }) => void;
  "items:changed": (payload: { item: Item }) => void;
  "room:presence": (payload: Presence) => void;
  "room:typing": (payload: Typing) => void;
  /** To each member of an item, on their own sockets, when someone else writes to it: unread counts. */
  "room:activity": (payload: RoomActivity) => void;
}
