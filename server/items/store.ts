import type { Item, ItemDetails, ItemStatus, ListItemsQuery } from "../../shared/items.js";
import type { Queryable } from "../db/db.js";

type ItemRow = {
  id: string;
  position: string | number;
  title: string;
  description: string;
  price_amount: number;
  price_currency: Item["price"]["currency"];
  image_url: string | null;
  status: ItemStatus;
  last_seq: number;
  created_at: Date;
  updated_at: Date;
  seller_id: string;
  seller_username: string;
  seller_display_name: string;
};

const SELECT_ITEMS = `
  select i.id, i.position, i.title, i.description, i.price_amount, i.price_currency, i.image_url, i.status,
         i.last_seq, i.created_at, i.updated_at,
         u.id as seller_id, u.username as seller_username, u.display_name as seller_display_name
  from items i join users u on u.id = i.seller_id`;

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    price: { amount: row.price_amount, currency: row.price_currency },
    imageUrl: row.image_url,
    status: row.status,
    seller: { id: row.seller_id, username: row.seller_username, displayName: row.seller_display_name },
    lastSeq: row.last_seq,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The item; with `forUpdate`, its row stays locked until the transaction ends. */
export async function getItem(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Item | null> {
  const [row] = await q.query<ItemRow>(
    `${SELECT_ITEMS} where i.id = $1${options.forUpdate ? " for update of i" : ""}`,
    [id],
  );
  return row ? toItem(row) : null;
}

/** The items that exist among `ids`, their rows locked in id order (so two lockers never deadlock). */
export async function lockItems(q: Queryable, ids: string[]): Promise<Map<string, Item>> {
  const rows = await q.query<ItemRow>(
    `${SELECT_ITEMS} where i.id in (select value::uuid from jsonb_array_elements_text($1::jsonb))
     order by i.id for update of i`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((row) => [row.id, toItem(row)]));
}

export async function insertItem(
  q: Queryable,
  item: { id: string; sellerId: string } & ItemDetails,
): Promise<void> {
  await q.query(
    `insert into items (id, seller_id, title, description, price_amount, price_currency, image_url)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      item.id,
      item.sellerId,
      item.title,
      item.description,
      item.price.amount,
      item.price.currency,
      item.imageUrl,
    ],
  );
}

export async function updateItemDetails(q: Queryable, id: string, details: ItemDetails): Promise<void> {
  await q.query(
    `update items set title = $2, description = $3, price_amount = $4, price_currency = $5, image_url = $6,
       updated_at = now() where id = $1`,
    [id, details.title, details.description, details.price.amount, details.price.currency, details.imageUrl],
  );
}

export async function setItemStatus(q: Queryable, id: string, status: ItemStatus): Promise<void> {
  await q.query("update items set status = $2, updated_at = now() where id = $1", [id, status]);
}

/** Words of the query as prefix terms ANDed together: "red bik" finds "Red bike". */
export function toPrefixQuery(q: string): string | null {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length > 0 ? words.map((word) => `${word}:*`).join(" & ") : null;
}

/**
 * Newest first; the cursor is the position of the last item of the page. Removed items and the items of
 * suspended sellers never appear.
 */
export async function listItems(
  q: Queryable,
  query: ListItemsQuery,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  where.push(query.status ? `i.status = ${param(query.status)}` : "i.status <> 'removed'");
  // A suspended seller's listings leave the marketplace until they are reinstated.
  where.push("u.suspended_at is null");
  if (query.minPrice !== undefined) where.push(`i.price_amount >= ${param(query.minPrice)}`);
  if (query.maxPrice !== undefined) where.push(`i.price_amount <= ${param(query.maxPrice)}`);
  if (query.sellerId) where.push(`i.seller_id = ${param(query.sellerId)}`);
  if (query.cursor) where.push(`i.position < ${param(query.cursor)}`);
  const terms = query.q ? toPrefixQuery(query.q) : null;
  if (terms) where.push(`i.search @@ to_tsquery('simple', ${param(terms)})`);
  const rows = await q.query<ItemRow>(
    `${SELECT_ITEMS} where ${where.join(" and ")} order by i.position desc limit ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > query.limit && last ? String(last.position) : null,
  };
}
