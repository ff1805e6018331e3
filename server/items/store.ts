import type { AuctionState } from "../../shared/auctions.js";
import { categoryWithChildren, categoryWithParents } from "../../shared/categories.js";
import type {
  Condition,
  Facets,
  Item,
  ItemDetails,
  ItemStatus,
  ListItemsQuery,
  Location,
  SellerListing,
  ShippingOption,
} from "../../shared/items.js";
import type { Queryable } from "../db/db.js";
import { rememberWords } from "./search.js";

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
  images: string[];
  category: string | null;
  condition: Condition | null;
  tags: string[];
  specs: [string, string][];
  quantity: number;
  quantity_available: number;
  location_city: string | null;
  location_country: string | null;
  shipping_options: ShippingOption[];
  offers_enabled: boolean;
  offers_min_amount: number | null;
  withdrawn_at: Date | null;
  open_offers: number;
  auction: AuctionRow | null;
};

/** The auction's columns as one JSON value (null for a fixed price), its status by the database clock. */
type AuctionRow = {
  status: AuctionState["status"];
  starting_bid: number;
  reserve_amount: number | null;
  starts_at: string;
  ends_at: string;
  soft_close_seconds: number;
  current_price: number | null;
  leader_id: string | null;
  leader_username: string | null;
  bid_count: number;
};

const ITEM_COLUMNS = `i.id, i.position, i.title, i.description, i.price_amount, i.price_currency, i.image_url, i.status,
         i.last_seq, i.created_at, i.updated_at, i.images, i.category, i.condition, i.tags, i.specs, i.quantity,
         i.quantity_available, i.location_city, i.location_country, i.shipping_options, i.offers_enabled,
         i.offers_min_amount, i.withdrawn_at,
         (select count(*)::int from deals d where d.item_id = i.id and d.process = 'offer'
            and d.state in ('offered', 'countered')) as open_offers,
         case when a.item_id is not null then json_build_object(
           'status', case when a.ended_at is not null or a.ends_at <= now() then 'ended'
                          when a.starts_at > now() then 'scheduled' else 'live' end,
           'starting_bid', a.starting_bid, 'reserve_amount', a.reserve_amount,
           'starts_at', a.starts_at, 'ends_at', a.ends_at, 'soft_close_seconds', a.soft_close_seconds,
           'current_price', a.current_price, 'leader_id', a.leader_id,
           'leader_username', (select l.username from users l where l.id = a.leader_id),
           'bid_count', a.bid_count) end as auction,
         u.id as seller_id, u.username as seller_username, u.display_name as seller_display_name`;
const ITEMS_FROM = "from items i join users u on u.id = i.seller_id left join auctions a on a.item_id = i.id";
const SELECT_ITEMS = `select ${ITEM_COLUMNS} ${ITEMS_FROM}`;

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
    images: row.images,
    category: row.category,
    condition: row.condition,
    tags: row.tags,
    specs: row.specs,
    quantity: row.quantity,
    quantityAvailable: row.quantity_available,
    location: locationOf(row.location_city, row.location_country),
    shippingOptions: row.shipping_options,
    offers: {
      enabled: row.offers_enabled,
      ...(row.offers_min_amount === null
        ? {}
        : { minAmount: { amount: row.offers_min_amount, currency: row.price_currency } }),
    },
    withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
    openOffers: row.open_offers,
    sale: row.auction ? "auction" : "fixed",
    auction: row.auction && auctionOf(row.auction, row.price_currency),
  };
}

/** The public auction state: the reserve's amount stays out (`presentItem` adds it for the seller). */
function auctionOf(row: AuctionRow, currency: Item["price"]["currency"]): AuctionState {
  const money = (amount: number) => ({ amount, currency });
  return {
    status: row.status,
    currentPrice: row.current_price === null ? null : money(row.current_price),
    leader:
      row.leader_id && row.leader_username ? { id: row.leader_id, username: row.leader_username } : null,
    bidCount: row.bid_count,
    endsAt: new Date(row.ends_at).toISOString(),
    reserveMet:
      row.current_price !== null && (row.reserve_amount === null || row.current_price >= row.reserve_amount),
    startingBid: money(row.starting_bid),
    startsAt: new Date(row.starts_at).toISOString(),
    softCloseSeconds: row.soft_close_seconds,
    hasReserve: row.reserve_amount !== null,
  };
}

/** `{ city?, country? }` from two nullable columns. */
export const locationOf = (city: string | null, country: string | null): Location => ({
  ...(city ? { city } : {}),
  ...(country ? { country } : {}),
});

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

/** The items that exist among `ids`, in the order of `ids`. */
export async function listItemsByIds(q: Queryable, ids: string[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<ItemRow>(`${SELECT_ITEMS} where i.id = any($1::uuid[])`, [ids]);
  const byId = new Map(rows.map((row) => [row.id, toItem(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
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

const DETAIL_COLUMNS = `title, description, price_amount, price_currency, image_url, images, category, condition,
  tags, specs, quantity, location_city, location_country, shipping_options, offers_enabled, offers_min_amount`;

const detailValues = (details: ItemDetails) => [
  details.title,
  details.description,
  details.price.amount,
  details.price.currency,
  details.imageUrl,
  JSON.stringify(details.images),
  details.category,
  details.condition,
  details.tags,
  JSON.stringify(details.specs),
  details.quantity,
  details.location.city ?? null,
  details.location.country ?? null,
  JSON.stringify(details.shippingOptions),
  details.offers.enabled,
  details.offers.minAmount?.amount ?? null,
];

/** The text search indexes: what `rememberWords` adds to the vocabulary. */
const searchableText = (details: ItemDetails) =>
  [details.title, details.tags.join(" "), details.description].join(" ");

export async function insertItem(
  q: Queryable,
  item: { id: string; sellerId: string } & ItemDetails,
): Promise<void> {
  await q.query(
    `insert into items (id, seller_id, quantity_available, ${DETAIL_COLUMNS})
     values ($1, $2, $13, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [item.id, item.sellerId, ...detailValues(item)],
  );
  await rememberWords(q, searchableText(item));
}

/** Writes the details; units already held or sold stay counted when the quantity changes. */
export async function updateItemDetails(q: Queryable, id: string, details: ItemDetails): Promise<void> {
  await q.query(
    `update items set (${DETAIL_COLUMNS}) = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17),
       quantity_available = greatest(0, quantity_available + $12 - quantity), updated_at = now()
     where id = $1`,
    [id, ...detailValues(details)],
  );
  await rememberWords(q, searchableText(details));
}

/** Holds units for a deal: fewer are for sale, and the item is `reserved` once none is left. */
export async function holdUnits(q: Queryable, id: string, units: number): Promise<void> {
  await q.query(
    `update items set quantity_available = quantity_available - $2,
       status = case when quantity_available - $2 = 0 then 'reserved' else status end, updated_at = now()
     where id = $1`,
    [id, units],
  );
}

/** A deal let its units go: they are for sale again, and a reserved item is available. */
export async function releaseUnits(q: Queryable, id: string, units: number): Promise<void> {
  await q.query(
    `update items set quantity_available = least(quantity, quantity_available + $2),
       status = case when status = 'reserved' then 'available' else status end, updated_at = now()
     where id = $1`,
    [id, units],
  );
}

/** A status change by a sale or a moderator; it is never a seller's withdrawal, so that mark goes. */
export async function setItemStatus(q: Queryable, id: string, status: ItemStatus): Promise<void> {
  await q.query("update items set status = $2, withdrawn_at = null, updated_at = now() where id = $1", [
    id,
    status,
  ]);
}

/** How many listings "My listings" shows. */
const SELLER_ITEMS_MAX = 200;

/** The seller's items, newest first, removed ones included, with how many people joined and wrote. */
export async function listSellerItems(q: Queryable, sellerId: string): Promise<SellerListing[]> {
  const rows = await q.query<ItemRow & { people: number; messages: number }>(
    `select ${ITEM_COLUMNS},
       (select count(*)::int from item_members m where m.item_id = i.id) as people,
       (select count(*)::int from events e where e.item_id = i.id and e.type = 'text') as messages
     ${ITEMS_FROM} where i.seller_id = $1 order by i.position desc limit ${SELLER_ITEMS_MAX}`,
    [sellerId],
  );
  return rows.map((row) => ({ item: toItem(row), people: row.people, messages: row.messages }));
}

/** A seller withdraws (`removed`, `withdrawn_at` set) or relists (`available`, cleared) an item. */
export async function setWithdrawn(q: Queryable, id: string, withdrawn: boolean): Promise<void> {
  await q.query(
    `update items set status = $2, withdrawn_at = case when $3 then now() end, updated_at = now() where id = $1`,
    [id, withdrawn ? "removed" : "available", withdrawn],
  );
}

/** A relevance page starts this far in at most: deeper pages of a keyword search are not worth their cost. */
const RELEVANCE_DEPTH_MAX = 1000;

type Filters = { where: string[]; params: unknown[]; param: (value: unknown) => string };

function filtersOf(query: ListItemsQuery, tsquery: string | null): Filters {
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
  if (query.category) where.push(`i.category = any(${param(categoryWithChildren(query.category))}::text[])`);
  if (query.condition?.length) where.push(`i.condition = any(${param(query.condition)}::text[])`);
  if (query.tag) where.push(`i.tags @> array[${param(query.tag)}]::text[]`);
  if (query.sale) {
    where.push(
      `${query.sale === "auction" ? "" : "not "}exists (select 1 from auctions sa where sa.item_id = i.id)`,
    );
  }
  if (tsquery) where.push(`i.search @@ to_tsquery('simple', ${param(tsquery)})`);
  return { where, params, param };
}

/**
 * One page of items: newest first (the cursor is the last item's position), by price (the cursor is
 * `p<price>_<position>`), or by relevance when searching (`r<offset>`). Removed items and the items of
 * suspended sellers never appear.
 * `tsquery` comes from `buildSearchQuery`.
 */
export async function listItems(
  q: Queryable,
  query: ListItemsQuery,
  tsquery: string | null,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const sort = query.sort === "relevance" && !tsquery ? "newest" : query.sort;
  // Relevance's tiers carry the search's condition themselves (below).
  const { where, params, param } = filtersOf(query, sort === "relevance" ? null : tsquery);
  let order: string;
  let offset = 0;
  const cursor = query.cursor ?? "";
  if (sort === "price_asc" || sort === "price_desc") {
    const [price, position] = /^p(\d+)_(\d+)$/.exec(cursor)?.slice(1) ?? [];
    const op = sort === "price_asc" ? ">" : "<";
    if (price !== undefined)
      where.push(`(i.price_amount, i.position) ${op} (${param(price)}, ${param(position)})`);
    order = `i.price_amount ${sort === "price_asc" ? "asc" : "desc"}, i.position ${sort === "price_asc" ? "asc" : "desc"}`;
  } else if (sort === "relevance") {
    offset = Math.min(Number(/^r(\d+)$/.exec(cursor)?.[1] ?? 0), RELEVANCE_DEPTH_MAX);
    order = "tier, position desc";
  } else if (sort === "ending_soon") {
    // Live auctions by their end, soonest first; then everything else (fixed prices never end), newest
    // first. The end moves with every late bid, so pages are by offset (`r<offset>`), not by a key.
    offset = Math.min(Number(/^r(\d+)$/.exec(cursor)?.[1] ?? 0), RELEVANCE_DEPTH_MAX);
    order = "tier, ends, position desc";
  } else {
    if (/^\d+$/.test(cursor)) where.push(`i.position < ${param(cursor)}`);
    order = "i.position desc";
  }
  let sql: string;
  if (sort === "relevance") {
    // Relevance in two tiers: matches in the title or tags, then matches in the description only, each
    // newest first. Each tier is its own ordered query, so the planner can walk the newest-first index
    // and stop after a page for a common word, or use the text index for a rare one, instead of
    // ranking every match.
    const ts = `to_tsquery('simple', ${param(tsquery)})`;
    const depth = param(offset + query.limit + 1);
    const base = where.join(" and ");
    sql = `select * from (
      (select ${ITEM_COLUMNS}, 0 as tier ${ITEMS_FROM}
       where ${base} and i.title_search @@ ${ts} order by i.position desc limit ${depth})
      union all
      (select ${ITEM_COLUMNS}, 1 as tier ${ITEMS_FROM}
       where ${base} and i.search @@ ${ts} and not (i.title_search @@ ${ts})
       order by i.position desc limit ${depth})
    ) ranked order by ${order} limit ${param(query.limit + 1)} offset ${param(offset)}`;
  } else if (sort === "ending_soon") {
    // In two tiers, like relevance: the live auctions (few) by end, then the rest by the newest-first index.
    const depth = param(offset + query.limit + 1);
    const base = where.join(" and ");
    const live = "(a.ended_at is null and a.ends_at > now())";
    sql = `select * from (
      (select ${ITEM_COLUMNS}, 0 as tier, a.ends_at as ends ${ITEMS_FROM}
       where ${base} and ${live} order by a.ends_at limit ${depth})
      union all
      (select ${ITEM_COLUMNS}, 1 as tier, null as ends ${ITEMS_FROM}
       where ${base} and not coalesce(${live}, false) order by i.position desc limit ${depth})
    ) ranked order by ${order} limit ${param(query.limit + 1)} offset ${param(offset)}`;
  } else {
    sql = `${SELECT_ITEMS} where ${where.join(" and ")} order by ${order}
     limit ${param(query.limit + 1)} offset ${param(offset)}`;
  }
  const rows = await q.query<ItemRow>(sql, params);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > query.limit && last) {
    if (sort === "price_asc" || sort === "price_desc") nextCursor = `p${last.price_amount}_${last.position}`;
    else if (sort === "relevance" || sort === "ending_soon")
      nextCursor = offset + query.limit <= RELEVANCE_DEPTH_MAX ? `r${offset + query.limit}` : null;
    else nextCursor = String(last.position);
  }
  return { items: page.map(toItem), nextCursor };
}

/** How many items of the search fall in each category (a parent counts its subcategories) and condition. */
export async function countFacets(
  q: Queryable,
  query: ListItemsQuery,
  tsquery: string | null,
): Promise<Facets> {
  const { where, params } = filtersOf({ ...query, cursor: undefined }, tsquery);
  const rows = await q.query<{ kind: "category" | "condition"; value: string; count: number }>(
    `with matching as (select i.category, i.condition ${ITEMS_FROM} where ${where.join(" and ")})
     select 'category' as kind, category as value, count(*)::int as count from matching
       where category is not null group by category
     union all
     select 'condition', condition, count(*)::int from matching where condition is not null group by condition`,
    params,
  );
  const facets: Facets = { category: {}, condition: {} };
  for (const row of rows) {
    if (row.kind === "condition") {
      facets.condition[row.value] = row.count;
      continue;
    }
    for (const id of categoryWithParents(row.value)) {
      facets.category[id] = (facets.category[id] ?? 0) + row.count;
    }
  }
  return facets;
}
