import { z } from "zod";
import { ZItem } from "./items.js";

/** An item the user has joined, with how far they have read its timeline. */
export const ZRoom = z.object({
  item: ZItem,
  /** The highest seq the user has marked read. */
  lastReadSeq: z.int().min(0),
  /** Events after `lastReadSeq` written by someone else (or by the system). */
  unread: z.int().min(0),
});
export type Room = z.infer<typeof ZRoom>;

export const ZRoomList = z.object({ rooms: z.array(ZRoom) });
export type RoomList = z.infer<typeof ZRoomList>;

export const ZMarkReadRequest = z.strictObject({
  seq: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
});
export type MarkReadRequest = z.infer<typeof ZMarkReadRequest>;

export const ZMarkReadResponse = z.object({ lastReadSeq: z.int().min(0) });

/** Sent to each member of an item (on their own sockets) when someone else writes to its timeline. */
export type RoomActivity = { itemId: string; seq: number; authorId: string | null };
