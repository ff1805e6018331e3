import type { SavedSearch, SavedSearchQuery } from "../../shared/saved-searches.js";
import type { Queryable } from "../db/db.js";

type SavedSearchRow = { id: string; name: string; query: SavedSearch["query"]; created_at: Date };

const toSavedSearch = (row: SavedSearchRow): SavedSearch => ({
  id: row.id,
  name: row.name,
  query: row.query,
  createdAt: row.created_at.toISOString(),
});

/** What a new item is matched on (see `matchSavedSearches`), derived from the query when it is saved. */
export type MatchKeys = {
  terms: string[];
  keyTerm: string | null;
  categories: string[] | null;
  conditions: string[] | null;
  minPrice: number | null;
  maxPrice: number | null;
};

export async function insertSavedSearch(
  q: Queryable,
  search: { id: string; userId: string; name: string; query: SavedSearchQuery } & MatchKeys,
): Promise<SavedSearch> {
  const [row] = await q.query<SavedSearchRow>(
    `insert into saved_searches (id, user_id, name, query, terms, key_term, categories, conditions, min_price, max_price)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id, name, query, created_at`,
    [
      search.id,
      search.userId,
      search.name,
      JSON.stringify(search.query),
      search.terms,
      search.keyTerm,
      search.categories,
      search.conditions,
      search.minPrice,
      search.maxPrice,
    ],
  );
  return toSavedSearch(row!);
}

export async function listSavedSearches(q: Queryable, userId: string): Promise<SavedSearch[]> {
  const rows = await q.query<SavedSearchRow>(
    "select id, name, query, created_at from saved_searches where user_id = $1 order by created_at desc",
    [userId],
  );
  return rows.map(toSavedSearch);
}

export async function countSavedSearches(q: Queryable, userId: string): Promise<number> {
  const [row] = await q.query<{ count: number }>(
    "select count(*)::int as count from saved_searches where user_id = $1",
    [userId],
  );
  return row?.count ?? 0;
}

/** Deletes the user's saved search; false when they have none with that id. */
export async function deleteSavedSearch(q: Queryable, userId: string, id: string): Promise<boolean> {
  const rows = await q.query("delete from saved_searches where id = $1 and user_id = $2 returning id", [
    id,
    userId,
  ]);
  return rows.length > 0;
}

/** The rules every branch below shares: conditions, price range, and never the item's own seller. */
const FILTERS = `
  (s.conditions is null or i.condition = any(s.conditions))
  and (s.min_price is null or i.price_amount >= s.min_price)
  and (s.max_price is null or i.price_amount <= s.max_price)
  and s.user_id <> i.seller_id`;

/**
 * The saved searches a new item matches (`$1` the item's id), found through indexes whatever their number:
 * searches with words by their key term among the item's stems (then every term must be there), searches
 * without words by the item's category, and the few with neither by their filters alone.
 */
export const MATCH_SAVED_SEARCHES_SQL = `
  with i as (select id, tsvector_to_array(search) as lexemes, category, condition, price_amount, seller_id
             from items where id = $1 and status = 'available')
  select s.id, s.user_id as "userId" from i
    join lateral unnest(i.lexemes) as l(lexeme) on true
    join saved_searches s on s.key_term = l.lexeme
    where s.terms <@ i.lexemes and (s.categories is null or i.category = any(s.categories)) and ${FILTERS}
  union all
  select s.id, s.user_id from i join saved_searches s
    on s.key_term is null and s.categories @> array[i.category]
    where ${FILTERS}
  union all
  select s.id, s.user_id from i join saved_searches s
    on s.key_term is null and s.categories is null
    where ${FILTERS}`;

export const matchSavedSearches = (q: Queryable, itemId: string) =>
  q.query<{ id: string; userId: string }>(MATCH_SAVED_SEARCHES_SQL, [itemId]);
