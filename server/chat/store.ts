import type { Queryable } from "../db/db.js";

/** Joining an item's room makes the user a member of its conversation (once). */
export async function addMember(q: Queryable, itemId: string, userId: string): Promise<void> {
  await q.query("insert into item_members (item_id, user_id) values ($1, $2) on conflict do nothing", [
    itemId,
    userId,
  ]);
}
