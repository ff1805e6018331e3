import { randomUUID } from "node:crypto";
import { categoryWithChildren } from "../../shared/categories.js";
import { AppError } from "../../shared/errors.js";
import { LIMITS } from "../../shared/limits.js";
import type { CreateSavedSearchRequest, SavedSearch } from "../../shared/saved-searches.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { searchStems } from "../items/search.js";
import {
  countSavedSearches,
  deleteSavedSearch,
  insertSavedSearch,
  listSavedSearches,
  type MatchKeys,
  matchSavedSearches,
} from "./store.js";

export type SavedSearchService = ReturnType<typeof createSavedSearchService>;

/**
 * Saved searches, and which of them a new item matches (for the notifications that tell their owners).
 * Matching is by whole words (stems: plural and singular, accents), category with its subcategories,
 * conditions and price range; it does not forgive typos, which need the vocabulary at search time.
 */
export function createSavedSearchService(deps: { db: Db }) {
  const { db } = deps;

  return {
    async create(user: User, input: CreateSavedSearchRequest): Promise<SavedSearch> {
      if ((await countSavedSearches(db, user.id)) >= LIMITS.savedSearchesMax) {
        throw new AppError(
          "conflict",
          `You can keep up to ${LIMITS.savedSearchesMax} saved searches; delete one first`,
        );
      }
      const { query } = input;
      const terms = query.q ? await searchStems(db, query.q) : [];
      const keys: MatchKeys = {
        terms,
        // The longest stem is likely the rarest: the fewest searches share it, so the index narrows most.
        keyTerm: terms.reduce<string | null>(
          (best, term) => (best && best.length >= term.length ? best : term),
          null,
        ),
        categories: query.category ? categoryWithChildren(query.category) : null,
        conditions: query.condition?.length ? query.condition : null,
        minPrice: query.minPrice ?? null,
        maxPrice: query.maxPrice ?? null,
      };
      return insertSavedSearch(db, { id: randomUUID(), userId: user.id, name: input.name, query, ...keys });
    },

    list: (user: User) => listSavedSearches(db, user.id),

    async remove(user: User, id: string): Promise<void> {
      if (!(await deleteSavedSearch(db, user.id, id)))
        throw new AppError("not_found", "No such saved search");
    },

    /** The saved searches (and their owners) a newly listed item matches; its seller's own never do. */
    matching: (itemId: string) => matchSavedSearches(db, itemId),
  };
}
