import { LIMITS } from "../../shared/limits.js";
import type { Queryable } from "../db/db.js";

/**
 * Search that forgives (migration 0020 has the text search configurations):
 * - accents and case: both sides are unaccented and lowercased ("creme" finds "Crème");
 * - plural and singular: both sides are stemmed ("tables" and "table" are both `tabl`);
 * - the word being typed: every word matches as a prefix of a stem ("cop" finds "copper");
 * - one typo in a word of five letters or more: a word no item uses is replaced by the words items do use
 *   that are one edit away (an insertion, a deletion, a substitution, or two neighbours swapped),
 *   found in the trigram-indexed vocabulary `search_terms` ("bicyle" finds "bicycle").
 * The cost is bounded: at most `LIMITS.searchTermsMax` words, each cut to `LIMITS.searchWordMax` letters.
 */

/** The words of a search, lowercased, bounded; one-letter words only count when nothing else is typed. */
export function searchWords(q: string): string[] {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((word) => word.slice(0, LIMITS.searchWordMax));
  const meaningful = words.filter((word) => word.length > 1);
  return [...new Set(meaningful.length > 0 ? meaningful : words)].slice(0, LIMITS.searchTermsMax);
}

const TYPO_MIN_LETTERS = 5;
/** Spellings tried per misspelt word, so a word like "aaaaa" never expands into hundreds. */
const TYPO_CANDIDATES = 8;

/** The word with two neighbouring letters swapped, every way: the one typo trigrams miss. */
function transpositions(word: string): string[] {
  const letters = [...word];
  const result: string[] = [];
  for (let i = 0; i + 1 < letters.length; i++) {
    if (letters[i] === letters[i + 1]) continue;
    const swapped = [...letters];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    result.push(swapped.join(""));
  }
  return result;
}

/** A lexeme quoted for `to_tsquery`. */
const quote = (lexeme: string) => `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

type WordRow = { ord: number; plain: string; stem: string; known: boolean };

/**
 * The `tsquery` text for `q` (use with `to_tsquery('simple', …)`: its lexemes are already stemmed),
 * or null when `q` has no word. Words are ANDed; each is `stem:*`, ORed with its corrections when
 * it is misspelt.
 */
export async function buildSearchQuery(db: Queryable, q: string): Promise<string | null> {
  const words = searchWords(q);
  if (words.length === 0) return null;
  // One round trip for every word: its plain form, its stem, and whether any item uses a word it begins.
  const rows = await db.query<WordRow>(
    `select u.ord::int as ord, p.plain, s.stem,
       exists (select 1 from search_terms t
               where (t.term >= p.plain and t.term < p.plain || chr(1114111))
                  or (s.stem <> '' and t.term >= s.stem and t.term < s.stem || chr(1114111))) as known
     from unnest($1::text[]) with ordinality as u(word, ord)
     cross join lateral (select coalesce(min(lexeme), '') as plain
                         from unnest(to_tsvector('parley_plain', u.word))) p
     cross join lateral (select coalesce(min(lexeme), '') as stem
                         from unnest(to_tsvector('parley', u.word))) s
     order by u.ord`,
    [words],
  );
  const clauses = await Promise.all(
    rows
      .filter((row) => row.stem !== "")
      .map(async (row) => {
        const alternatives = [`${quote(row.stem)}:*`];
        if (!row.known && [...row.plain].length >= TYPO_MIN_LETTERS) {
          alternatives.push(...(await corrections(db, row.plain)).map(quote));
        }
        return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(" | ")})`;
      }),
  );
  return clauses.length > 0 ? clauses.join(" & ") : null;
}

/**
 * The stems of the words items use that are one edit from `word`, or from `word` without a plural
 * ending ("tqbles" → "tqble" → "table").
 */
async function corrections(db: Queryable, word: string): Promise<string[]> {
  const forms = [word, word.replace(/e?s$/, "")].filter(
    (form, i, all) => form.length >= 4 && all.indexOf(form) === i,
  );
  const rows = await db.query<{ stem: string }>(
    `select distinct (select coalesce(min(lexeme), '') from unnest(to_tsvector('parley', c.term))) as stem
     from (
       (select t.term from unnest($1::text[]) as f(form)
        cross join lateral (select term from search_terms
                            where term operator(public.%) f.form
                              and public.levenshtein_less_equal(term, f.form, 1) <= 1
                            limit $3) t)
       union
       (select term from search_terms where term = any($2::text[]))
     ) c
     limit $3`,
    [forms, forms.flatMap(transpositions), TYPO_CANDIDATES],
  );
  return rows.map((row) => row.stem).filter(Boolean);
}

/** Adds the words of an item's text to the vocabulary, in one order so two writers never deadlock. */
export async function rememberWords(db: Queryable, text: string): Promise<void> {
  await db.query(
    `insert into search_terms (term)
     select lexeme from unnest(to_tsvector('parley_plain', $1)) where length(lexeme) <= $2 order by 1
     on conflict do nothing`,
    [text, LIMITS.searchWordMax],
  );
}

/** The stems of a search's words (bounded as a search is), as `items.search` holds them. */
export async function searchStems(db: Queryable, q: string): Promise<string[]> {
  const rows = await db.query<{ lexeme: string }>(
    "select distinct lexeme from unnest(to_tsvector('parley', $1)) order by lexeme",
    [searchWords(q).join(" ")],
  );
  return rows.map((row) => row.lexeme);
}
