import type { Queryable } from "../db/db.js";

export async function addFavorite(q: Queryable, userId: string, itemId: string): Promise<void> {
  await q.query("insert into favorites (user_id, item_id) values ($1, $2) on conflict do nothing", [
    userId,
    itemId,
  ]);
}

export async function removeFavorite(q: Queryable, userId: string, itemId: string): Promise<void> {
  await q.query("delete from favorites where user_id = $1 and item_id = $2", [userId, itemId]);
}

/** The user's favourite item ids, most recently added first. */
export async function listFavoriteIds(q: Queryable, userId: string, limit: number): Promise<string[]> {
  const rows = await q.query<{ item_id: string }>(
    "select item_id from favorites where user_id = $1 order by created_at desc limit $2",
    [userId, limit],
  );
  return rows.map((row) => row.item_id);
}
