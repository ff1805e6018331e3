import { hashPassword } from "../server/auth/passwords.js";
import type { Db } from "../server/db/db.js";
import { CATEGORIES } from "../shared/categories.js";
import { CONDITIONS } from "../shared/items.js";

const LEAF_CATEGORIES = CATEGORIES.filter((category) => category.parentId !== null).map(
  (category) => category.id,
);

/** Words titles and descriptions are made of; search queries pick from them. */
export const WORDS = [
  "walnut",
  "oak",
  "maple",
  "steel",
  "brass",
  "copper",
  "linen",
  "wool",
  "leather",
  "ceramic",
  "vintage",
  "modern",
  "rustic",
  "tiny",
  "large",
  "red",
  "blue",
  "green",
  "amber",
  "ivory",
  "lamp",
  "chair",
  "table",
  "mug",
  "bowl",
  "bike",
  "clock",
  "radio",
  "camera",
  "guitar",
];

export const BENCH_PASSWORD = "bench-password-1";

export type Seeded = {
  sellers: { id: string; username: string }[];
  buyers: { id: string; username: string }[];
  items: string[];
};

/**
 * Fills an empty, migrated database in a few statements: `generate_series` inserts users, items and
 * each item's event 1 (`custom:item_details`, as creating an item through the API writes), so the
 * invariant "seq 1 is the item's details, last_seq counts the events" holds for every seeded item.
 * Every user shares one argon2 hash, made once.
 */
export async function seed(
  db: Db,
  counts: { sellers: number; buyers: number; items: number },
): Promise<Seeded> {
  const hash = await hashPassword(BENCH_PASSWORD);
  await db.query(
    `insert into users (id, username, display_name, role, password_hash)
     select gen_random_uuid(), 'bench-seller-' || n, 'Bench seller ' || n, 'seller', $1
     from generate_series(1, $2::int) n`,
    [hash, counts.sellers],
  );
  await db.query(
    `insert into users (id, username, display_name, role, password_hash)
     select gen_random_uuid(), 'bench-buyer-' || n, 'Bench buyer ' || n, 'buyer', $1
     from generate_series(1, $2::int) n`,
    [hash, counts.buyers],
  );
  const users = await db.query<{ id: string; username: string; role: string }>(
    "select id, username, role from users order by username",
  );
  const sellers = users.filter((user) => user.role === "seller");
  const buyers = users.filter((user) => user.role === "buyer");
  const words = `{${WORDS.join(",")}}`;
  const sellerIds = `{${sellers.map((seller) => seller.id).join(",")}}`;
  // Batches keep each statement (and PGlite's memory) small; the GIN search index is maintained as we go.
  const batch = 20_000;
  for (let from = 1; from <= counts.items; from += batch) {
    const to = Math.min(counts.items, from + batch - 1);
    await db.transaction(async (tx) => {
      await tx.query(
        `insert into items (id, seller_id, title, description, price_amount, price_currency, last_seq,
                            category, condition)
         select gen_random_uuid(),
                ($1::uuid[])[1 + n % cardinality($1::uuid[])],
                initcap(w[1 + n % 30]) || ' ' || w[1 + (n / 30) % 30] || ' ' || w[1 + (n / 900) % 30] || ' no. ' || n,
                'A ' || w[1 + (n / 7) % 30] || ' piece, lot ' || n || '.',
                100 + (n * 7919) % 100000, 'usd', 1,
                c[1 + (n / 11) % cardinality(c)], k[1 + (n / 13) % cardinality(k)]
         from generate_series($3::int, $4::int) n, (select $2::text[] as w) words,
              (select $5::text[] as c, $6::text[] as k) facets`,
        [sellerIds, words, from, to, LEAF_CATEGORIES, CONDITIONS],
      );
    });
  }
  // The vocabulary a misspelt word is looked up in, as creating items through the API fills it.
  await db.query(
    `insert into search_terms (term)
     select distinct lexeme from items, unnest(to_tsvector('parley_plain', title || ' ' || description))
     where lexeme !~ '[0-9]' order by 1 on conflict do nothing`,
  );
  await db.query(
    `insert into events (item_id, seq, type, author_id, body, created_at)
     select id, 1, 'custom:item_details', seller_id,
            jsonb_build_object('title', title, 'description', description,
              'price', jsonb_build_object('amount', price_amount, 'currency', price_currency), 'imageUrl', null),
            created_at
     from items`,
  );
  await db.query("analyze");
  const items = await db.query<{ id: string }>("select id from items order by position desc limit 1000");
  return {
    sellers: sellers.map(({ id, username }) => ({ id, username })),
    buyers: buyers.map(({ id, username }) => ({ id, username })),
    items: items.map((item) => item.id),
  };
}
