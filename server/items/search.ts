import { LIMITS } from "../../shared/limits.js";
import type { Queryable } from "../db/db.js";

/**
 * Search that forgives (migration 0020 has the text search configurations):
 * - accents and case: both sides are unaccented and lowercased ("creme" finds "Crème");
 * - plural and singular: both sides are stemmed ("tables" and "table" are both `tabl`);
 * - the word being typed: a word of three letters or more matches as a prefix of a stem ("cop" finds "copper");
 * - one typo in a word of five letters or more: a word no item uses is replaced by the words items do use
 *   that are one edit away (an insertion, a deletion, a substitution, or two neighbours swapped),
 *   found in the trigram-indexed vocabulary `search_terms` ("bicyle" finds "bicycle").
 * The cost is bounded: at most `LIMITS.searchTermsMax` words, each cut to `LIMITS.searchWordMax` letters,
 * at most two misspelt words corrected, and every search under the search gate's deadline.
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

/** Prefix matching starts at three letters ("cop" finds "copper"); shorter words match whole. */
const PREFIX_MIN_LETTERS = 3;
/** Misspelt words corrected per search: each costs a vocabulary lookup. */
const CORRECTED_WORDS_MAX = 2;

/**
 * The `tsquery` text for `q` (use with `to_tsquery('simple', …)`: its lexemes are already stemmed),
 * or null when `q` has no word. Words are ANDed; each is its stem (as a prefix from three letters on),
 * ORed with its corrections when it is misspelt.
 */
export async function buildSearchQuery(db: Queryable, q: string): Promise<string | null> {
  const words = searchWords(q);
  if (words.length === 0) return null;
  // One round trip for every word: its plain form, its stem, and whether any item uses a word it begins.
  const rows = await db.query<WordRow>(
    `select u.ord::int as ord, p.plain, s.stem,
       -- Two ranges of the primary key ("starts with"), each an index probe.
       (exists (select 1 from search_terms t
                where t.term >= p.plain collate "C" and t.term < (p.plain || chr(1114111)) collate "C")
        or exists (select 1 from search_terms t
                   where s.stem <> '' and t.term >= s.stem collate "C"
                     and t.term < (s.stem || chr(1114111)) collate "C")) as known
     from unnest($1::text[]) with ordinality as u(word, ord)
     cross join lateral (select coalesce(min(lexeme), '') as plain
                         from unnest(to_tsvector('parley_plain', u.word))) p
     cross join lateral (select coalesce(min(lexeme), '') as stem
                         from unnest(to_tsvector('parley', u.word))) s
     order by u.ord`,
    [words],
  );
  const usable = rows.filter((row) => row.stem !== "");
  const misspelt = usable
    .filter((row) => !row.known && [...row.plain].length >= TYPO_MIN_LETTERS && !/\d/.test(row.plain))
    .slice(0, CORRECTED_WORDS_MAX);
  const fixes = await corrections(db, misspelt);
  const clauses = usable.map((row) => {
    const stem = quote(row.stem) + ([...row.plain].length >= PREFIX_MIN_LETTERS ? ":*" : "");
    const alternatives = [stem, ...(fixes.get(row.ord) ?? []).map(quote)];
    return alternatives.length === 1 ? stem : `(${alternatives.join(" | ")})`;
  });
  return clauses.length > 0 ? clauses.join(" & ") : null;
}

/**
 * For each misspelt word, the stems of the words items use that are one edit from it, or from it
 * without a plural ending ("tqbles" → "tqble" → "table"); one query for all of them.
 */
async function corrections(db: Queryable, words: WordRow[]): Promise<Map<number, string[]>> {
  const fixes = new Map<number, string[]>();
  if (words.length === 0) return fixes;
  const forms = words.flatMap((word) =>
    [word.plain, word.plain.replace(/e?s$/, "")]
      .filter((form, i, all) => form.length >= 4 && all.indexOf(form) === i)
      .map((form) => ({ ord: word.ord, form })),
  );
  const swaps = forms.flatMap(({ ord, form }) =>
    transpositions(form).map((swapped) => ({ ord, form: swapped })),
  );
  const rows = await db.query<{ ord: number; stem: string }>(
    `select distinct c.ord, (select coalesce(min(lexeme), '') from unnest(to_tsvector('parley', c.term))) as stem
     from (
       -- No limit inside: with one the planner scans the vocabulary hoping to stop early; the trigram
       -- index finds the few similar words at once.
       (select f.ord, t.term from unnest($1::int[], $2::text[]) as f(ord, form)
        join search_terms t on t.term operator(public.%) f.form
        where public.levenshtein_less_equal(t.term, f.form, 1) <= 1)
       union
       (select f.ord, t.term from unnest($3::int[], $4::text[]) as f(ord, form)
        join search_terms t on t.term = f.form)
     ) c`,
    [forms.map((f) => f.ord), forms.map((f) => f.form), swaps.map((f) => f.ord), swaps.map((f) => f.form)],
  );
  for (const row of rows) {
    if (row.stem) fixes.set(row.ord, [...(fixes.get(row.ord) ?? []), row.stem].slice(0, TYPO_CANDIDATES));
  }
  return fixes;
}

/**
 * Adds the words of an item's text to the vocabulary, in one order so two writers never deadlock. Words
 * with digits (sizes, years, lot numbers) are left out: a typo in a number is not a typo to forgive.
 */
export async function rememberWords(db: Queryable, text: string): Promise<void> {
  await db.query(
    `insert into search_terms (term)
     select lexeme from unnest(to_tsvector('parley_plain', $1))
     where length(lexeme) <= $2 and lexeme !~ '[0-9]' order by 1
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
