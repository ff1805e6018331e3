import type { Namespace } from "socket.io";
import { awayRoom, itemOfMemberRoom, itemOfRoom, itemRoom, memberRoom } from "./rooms.js";

/**
 * What a crowd in a room would otherwise cost a walk over the room to learn, kept up to date one socket
 * at a time from the adapter's `join-room` and `leave-room` events (they fire for every way a socket of
 * this process enters or leaves a room: its own join or leave, another process's `socketsJoin`, a
 * disconnect):
 * - presence: per item room, each signed-in user's number of sockets in it here, so the distinct people
 *   are a map's size;
 * - `awayRoom`: the member sockets not in the item's room, the audience of `room:activity`, so a
 *   message's fan-out needs no room subtracted from another.
 */
export class RoomIndex {
  /** itemId → userId → that user's sockets in the item's room, on this process. */
  readonly #present = new Map<string, Map<string, number>>();
  /** Sockets that are disconnecting: their leaves must not put them in an away room. */
  readonly #closing = new Set<string>();

  constructor(private readonly nsp: Namespace) {
    const adapter = nsp.adapter;
    adapter.on("join-room", (room: string, sid: string) => this.#joined(room, sid));
    adapter.on("leave-room", (room: string, sid: string) => this.#left(room, sid));
  }

  /** The distinct signed-in people in the item's room on this process. */
  users(itemId: string): string[] {
    return [...(this.#present.get(itemId)?.keys() ?? [])];
  }

  count(itemId: string): number {
    return this.#present.get(itemId)?.size ?? 0;
  }

  /** Called on `disconnecting`, before the socket leaves its rooms; `forget` once it has. */
  closing(sid: string): void {
    this.#closing.add(sid);
  }

  forget(sid: string): void {
    this.#closing.delete(sid);
  }

  #userOf(sid: string): string | null {
    return this.nsp.sockets.get(sid)?.data.user?.id ?? null;
  }

  #in(sid: string, room: string): boolean {
    return this.nsp.adapter.sids.get(sid)?.has(room) ?? false;
  }

  #joined(room: string, sid: string): void {
    const itemId = itemOfRoom(room);
    if (itemId !== null) {
      const userId = this.#userOf(sid);
      if (userId !== null) {
        let users = this.#present.get(itemId);
        if (!users) {
          users = new Map();
          this.#present.set(itemId, users);
        }
        users.set(userId, (users.get(userId) ?? 0) + 1);
      }
      this.nsp.adapter.del(sid, awayRoom(itemId));
      return;
    }
    const memberOf = itemOfMemberRoom(room);
    if (memberOf !== null && !this.#in(sid, itemRoom(memberOf))) {
      this.nsp.adapter.addAll(sid, new Set([awayRoom(memberOf)]));
    }
  }

  #left(room: string, sid: string): void {
    const itemId = itemOfRoom(room);
    if (itemId !== null) {
      const userId = this.#userOf(sid);
      const users = this.#present.get(itemId);
      if (userId !== null && users) {
        const left = (users.get(userId) ?? 0) - 1;
        if (left > 0) users.set(userId, left);
        else users.delete(userId);
        if (users.size === 0) this.#present.delete(itemId);
      }
      if (!this.#closing.has(sid) && this.#in(sid, memberRoom(itemId))) {
        this.nsp.adapter.addAll(sid, new Set([awayRoom(itemId)]));
      }
      return;
    }
    const memberOf = itemOfMemberRoom(room);
    if (memberOf !== null) this.nsp.adapter.del(sid, awayRoom(memberOf));
  }
}
