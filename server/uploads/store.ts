import type { Queryable } from "../db/db.js";

/** Every stored upload's name an item shows now or showed in its history (its details events). */
export async function listReferencedUploads(q: Queryable): Promise<Set<string>> {
  const rows = await q.query<{ url: string }>(
    `select image_url as url from items where image_url like '/uploads/%'
     union
     select body->>'imageUrl' from events
      where type = 'custom:item_details' and body->>'imageUrl' like '/uploads/%'`,
  );
  return new Set(rows.map((row) => row.url.slice("/uploads/".length)));
}
