/** Socket.IO room names. */

export const itemRoom = (itemId: string) => `item:${itemId}`;
export const userRoom = (userId: string) => `user:${userId}`;
/** Sockets that joined a deal's private thread (parties and moderators only: `deal:join` checks). */
export const dealRoom = (dealId: string) => `deal:${dealId}`;
/** Sockets of the users who joined an item's conversation, wherever they are in the app. */
export const memberRoom = (itemId: string) => `member:${itemId}`;
/**
 * The sockets of `memberRoom` that are not in `itemRoom`: those that hear `room:activity`. Kept by
 * `RoomIndex` on each process, so a message's fan-out never subtracts one room from another.
 */
export const awayRoom = (itemId: string) => `away:${itemId}`;
/** Every moderator watching the whole marketplace. */
export const MODERATORS_ROOM = "moderators";
/** Sockets that asked for the marketplace feed (`items:subscribe`): they hear every `items:changed`. */
export const FEED_ROOM = "items:feed";

const ITEM_PREFIX = "item:";
const MEMBER_PREFIX = "member:";

/** The item of an item room's name, or null. */
export const itemOfRoom = (room: string) =>
  room.startsWith(ITEM_PREFIX) ? room.slice(ITEM_PREFIX.length) : null;
/** The item of a member room's name, or null. */
export const itemOfMemberRoom = (room: string) =>
  room.startsWith(MEMBER_PREFIX) ? room.slice(MEMBER_PREFIX.length) : null;
