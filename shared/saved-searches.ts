import { z } from "zod";
import { CONDITIONS, ZCategoryId, ZCondition } from "./items.js";
import { LIMITS } from "./limits.js";

/** What a saved search looks for: the same meaning as `GET /api/items`'s parameters of those names. */
export const ZSavedSearchQuery = z
  .strictObject({
    q: z.string().trim().max(LIMITS.searchQueryMax, "Keep the search under 200 characters").optional(),
    category: ZCategoryId.optional(),
    /** A comma list (`new,good`), as in the marketplace's URL, or a list. */
    condition: z
      .union([z.string().transform((value) => value.split(",").filter(Boolean)), z.array(z.string())])
      .pipe(z.array(ZCondition).max(CONDITIONS.length))
      .optional(),
    minPrice: z.int().min(0).max(LIMITS.priceMax).optional(),
    maxPrice: z.int().min(0).max(LIMITS.priceMax).optional(),
  })
  .refine((query) => Object.values(query).some((value) => value !== undefined && value !== ""), {
    message: "Search for something or choose a filter first",
  });
export type SavedSearchQuery = z.infer<typeof ZSavedSearchQuery>;

export const ZCreateSavedSearchRequest = z.strictObject({
  name: z
    .string({ error: "Name the search" })
    .trim()
    .min(1, "Name the search")
    .max(LIMITS.savedSearchNameMax, `Keep the name under ${LIMITS.savedSearchNameMax} characters`),
  query: ZSavedSearchQuery,
});
export type CreateSavedSearchRequest = z.infer<typeof ZCreateSavedSearchRequest>;

export const ZSavedSearch = z.object({
  id: z.uuid(),
  name: z.string(),
  query: z.object({
    q: z.string().optional(),
    category: z.string().optional(),
    condition: z.array(ZCondition).optional(),
    minPrice: z.int().optional(),
    maxPrice: z.int().optional(),
  }),
  createdAt: z.string(),
});
export type SavedSearch = z.infer<typeof ZSavedSearch>;
