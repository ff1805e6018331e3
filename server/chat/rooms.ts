import { AppError } from "../../shared/errors.js";
import type { Room } from "../../shared/rooms.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { getItem } from "../items/store.js";
import { listMemberItemIds, listMemberships, markRead } from "./store.js";

export type RoomService = ReturnType<typeof createRoomService>;

/** How many joined rooms `GET /api/me/rooms` returns. */
const ROOMS_MAX = 100;

/** Membership of item rooms: which items a user has joined and how far they have read each. */
export function createRoomService(deps: { db: Db }) {
  const { db } = deps;

  return {
    async list(user: User): Promise<Room[]> {
      const memberships = await listMemberships(db, user.id, ROOMS_MAX);
      const rooms = await Promise.all(
        memberships.map(async (m) => {
          const item = await getItem(db, m.itemId);
          return item ? { item, lastReadSeq: m.lastReadSeq, unread: m.unread } : null;
        }),
      );
      return rooms.filter((room) => room !== null);
    },

    async markRead(user: User, itemId: string, seq: number): Promise<{ lastReadSeq: number }> {
      const lastReadSeq = await markRead(db, itemId, user.id, seq);
      if (lastReadSeq === null) throw new AppError("not_found", "You have not joined this item");
      return { lastReadSeq };
    },

    /** The items whose activity the user hears live (as many as `list` shows). */
    joinedItemIds: (user: User) => listMemberItemIds(db, user.id, ROOMS_MAX),
  };
}
