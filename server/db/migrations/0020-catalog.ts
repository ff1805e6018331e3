import type { Migration } from "./index.js";

/**
 * The catalog: an item's photos, category, condition, tags, specs, stock, location, shipping and offers;
 * search that forgives accents, plurals and typos; profiles, favourites and saved searches.
 *
 * Search: the `parley` text search configuration unaccents every word, then stems it (English snowball,
 * without a stop-word list, so "a" is still a word). `items.search` holds the title (A), the tags (B) and the
 * description (C); `items.title_search` the title and tags alone, for relevance. `search_terms` is the vocabulary of words (unaccented, not stemmed) that items have
 * ever used, indexed by trigrams: a misspelt word is looked up there (one edit away) before the items are. The extensions live
 * in `public`, so every schema of one database shares them, and they are always named with `public.`.
 */
export const catalog: Migration = {
  version: "0020-catalog",
  statements: [
    "create extension if not exists pg_trgm with schema public",
    "create extension if not exists unaccent with schema public",
    "create extension if not exists fuzzystrmatch with schema public",
    "create text search dictionary parley_stem (template = snowball, language = english)",
    "create text search configuration parley (copy = simple)",
    `alter text search configuration parley
       alter mapping for asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart
       with public.unaccent, parley_stem`,
    // The surface words of items, unaccented and lowercased, not stemmed: what a misspelt word is compared with.
    "create text search configuration parley_plain (copy = simple)",
    `alter text search configuration parley_plain
       alter mapping for asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart
       with public.unaccent, simple`,
    "alter table items add column images jsonb not null default '[]'",
    "update items set images = jsonb_build_array(image_url) where image_url is not null",
    "alter table items add column category text",
    `alter table items add column condition text
       check (condition in ('new', 'like_new', 'good', 'fair', 'for_parts'))`,
    "alter table items add column tags text[] not null default '{}'",
    "alter table items add column specs jsonb not null default '[]'",
    "alter table items add column quantity integer not null default 1 check (quantity >= 1)",
    // Units still for sale; the deal engine lowers it as units are held and sold.
    "alter table items add column quantity_available integer not null default 1 check (quantity_available >= 0)",
    "alter table items add column location_city text",
    "alter table items add column location_country text",
    "alter table items add column shipping_options jsonb not null default '[]'",
    "alter table items add column offers_enabled boolean not null default true",
    "alter table items add column offers_min_amount integer",
    // Set when the seller withdrew the item (status 'removed'); a moderator's removal leaves it null.
    "alter table items add column withdrawn_at timestamptz",
    // array_to_string is only stable (it could format any element type); for text[] it is immutable.
    `create function parley_words(text[]) returns text language sql immutable parallel safe
       as $$ select array_to_string($1, ' ') $$`,
    "drop index items_search",
    "alter table items drop column search",
    `alter table items add column search tsvector generated always as (
       setweight(to_tsvector('parley', title), 'A') ||
       setweight(to_tsvector('parley', parley_words(tags)), 'B') ||
       setweight(to_tsvector('parley', description), 'C')) stored`,
    "create index items_search on items using gin (search)",
    // The title and tags alone: relevance ranks their matches above the description's.
    `alter table items add column title_search tsvector generated always as (
       setweight(to_tsvector('parley', title), 'A') || setweight(to_tsvector('parley', parley_words(tags)), 'B')) stored`,
    "create index items_title_search on items using gin (title_search)",
    "create index items_category on items (category, position desc)",
    "create index items_tags on items using gin (tags)",
    `create table search_terms (term text collate "C" primary key)`,
    "create index search_terms_trigrams on search_terms using gin (term public.gin_trgm_ops)",
    `insert into search_terms (term)
       select distinct lexeme from items, unnest(to_tsvector('parley_plain', title || ' ' || description))
       where lexeme !~ '[0-9]' order by 1`,
    "alter table users add column bio text not null default ''",
    "alter table users add column avatar_url text",
    "alter table users add column location_city text",
    "alter table users add column location_country text",
    "alter table users add column email text",
    `create table favorites (
      user_id uuid not null references users (id),
      item_id uuid not null references items (id),
      created_at timestamptz not null default now(),
      primary key (user_id, item_id)
    )`,
    "create index favorites_item on favorites (item_id)",
    `create table saved_searches (
      id uuid primary key,
      user_id uuid not null references users (id),
      name text not null,
      query jsonb not null,
      -- What a new item is matched on (saved-searches.ts): the stems every one of which the item must have,
      -- the rarest-looking one (longest) indexed as key_term; the category with its subcategories.
      terms text[] not null default '{}',
      key_term text,
      categories text[],
      conditions text[],
      min_price integer,
      max_price integer,
      created_at timestamptz not null default now()
    )`,
    "create index saved_searches_user on saved_searches (user_id, created_at)",
    "create index saved_searches_key_term on saved_searches (key_term) where key_term is not null",
    "create index saved_searches_categories on saved_searches using gin (categories) where key_term is null",
    // Searches by price or condition only: matched by scanning these alone.
    "create index saved_searches_filters_only on saved_searches (min_price) where key_term is null and categories is null",
  ],
};
