import { z } from "zod";
import { ZAuctionState, ZSale } from "./auctions.js";
import { isCategory } from "./categories.js";
import { CURRENCIES, LIMITS } from "./limits.js";
import { ZMoney } from "./money.js";

export const ITEM_STATUSES = ["available", "reserved", "sold", "removed"] as const;
export const ZItemStatus = z.enum(ITEM_STATUSES);
export type ItemStatus = z.infer<typeof ZItemStatus>;

/** An http(s) URL, or a path to an image this server stores (`/uploads/...`). */
export const ZImageUrl = z
  .string()
  .trim()
  .max(LIMITS.imageUrlMax)
  .refine((value) => /^https?:\/\/[^\s]+$/i.test(value) || /^\/uploads\/[A-Za-z0-9._-]+$/.test(value), {
    message: "Paste a link that starts with http:// or https://, or upload a photo",
  });

export const CONDITIONS = ["new", "like_new", "good", "fair", "for_parts"] as const;
export const ZCondition = z.enum(CONDITIONS, {
  error: "Choose a condition: new, like new, good, fair or for parts",
});
export type Condition = z.infer<typeof ZCondition>;
/** How people read each condition. */
export const CONDITION_NAMES: Record<Condition, string> = {
  new: "New",
  like_new: "Like new",
  good: "Good",
  fair: "Fair",
  for_parts: "For parts",
};
export const isCondition = (value: string): value is Condition => CONDITIONS.some((known) => known === value);

export const ZCategoryId = z
  .string()
  .max(64)
  .refine(isCategory, { message: "Choose a category from the list" });

/** A cost that may be zero (free shipping); `Money` itself is a price, at least one minor unit. */
export const ZCost = z.strictObject({
  amount: z.int({ error: "Enter the cost in whole minor units" }).min(0).max(LIMITS.priceMax),
  currency: z.enum(CURRENCIES, { error: "Choose usd, eur or gbp" }),
});

export const ZLocation = z.strictObject({
  city: z
    .string()
    .trim()
    .max(LIMITS.placeMax, `Keep the city under ${LIMITS.placeMax} characters`)
    .optional(),
  country: z
    .string()
    .trim()
    .max(LIMITS.placeMax, `Keep the country under ${LIMITS.placeMax} characters`)
    .optional(),
});
export type Location = z.infer<typeof ZLocation>;

export const ZShippingOption = z.strictObject({
  id: z.string().trim().min(1, "Give each shipping option an id").max(40),
  name: z
    .string()
    .trim()
    .min(1, "Name each shipping option")
    .max(80, "Keep shipping names under 80 characters"),
  cost: ZCost,
  regions: z.array(z.string().trim().min(1).max(LIMITS.placeMax)).max(20, "At most 20 regions").optional(),
});
export type ShippingOption = z.infer<typeof ZShippingOption>;

export const ZOffersSetting = z.strictObject({
  enabled: z.boolean({ error: "Say whether offers are welcome" }),
  minAmount: ZMoney.optional(),
});
export type OffersSetting = z.infer<typeof ZOffersSetting>;

/** The catalog's fields of an item (v2), beside the v1 title, description, price and image. */
export const ZCatalogFields = z.strictObject({
  images: z
    .array(ZImageUrl)
    .min(1, "Add at least one photo")
    .max(LIMITS.imagesMax, `At most ${LIMITS.imagesMax} photos`),
  category: ZCategoryId,
  condition: ZCondition,
  tags: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .min(1, "Tags cannot be empty")
        .max(LIMITS.tagMax, `Keep each tag under ${LIMITS.tagMax} characters`),
    )
    .max(LIMITS.tagsMax, `At most ${LIMITS.tagsMax} tags`),
  specs: z
    .array(
      z.tuple([
        z.string().trim().min(1, "Name each detail").max(LIMITS.specNameMax),
        z.string().trim().min(1, "Give each detail a value").max(LIMITS.specValueMax),
      ]),
    )
    .max(LIMITS.specsMax, `At most ${LIMITS.specsMax} details`),
  quantity: z
    .int({ error: "Quantity is a whole number" })
    .min(1, "Quantity is at least 1")
    .max(LIMITS.quantityMax, `Quantity is at most ${LIMITS.quantityMax}`),
  location: ZLocation,
  shippingOptions: z.array(ZShippingOption).max(10, "At most 10 shipping options"),
  offers: ZOffersSetting,
});

/** What an item's `custom:item_details` event carries: the whole description of the item after the write. */
export const ZItemDetails = z.strictObject({
  title: z.string().trim().min(1).max(LIMITS.titleMax),
  description: z.string().trim().max(LIMITS.descriptionMax),
  price: ZMoney,
  imageUrl: ZImageUrl.nullable(),
  images: z.array(z.string()),
  category: z.string().nullable(),
  condition: ZCondition.nullable(),
  tags: z.array(z.string()),
  specs: z.array(z.tuple([z.string(), z.string()])),
  quantity: z.int(),
  location: z.object({ city: z.string().optional(), country: z.string().optional() }),
  shippingOptions: z.array(ZShippingOption),
  offers: ZOffersSetting,
});
export type ItemDetails = z.infer<typeof ZItemDetails>;

const catalogOptional = ZCatalogFields.partial().shape;

export const ZCreateItemRequest = z.strictObject({
  title: z
    .string({ error: "Give the item a title" })
    .trim()
    .min(1, "Give the item a title")
    .max(LIMITS.titleMax, `Keep the title under ${LIMITS.titleMax} characters`),
  description: z
    .string({ error: "Describe the item" })
    .trim()
    .max(LIMITS.descriptionMax, `Keep the description under ${LIMITS.descriptionMax} characters`),
  price: ZMoney,
  imageUrl: ZImageUrl.nullish(),
  ...catalogOptional,
  category: ZCategoryId.nullish(),
  condition: ZCondition.nullish(),
  /** A fixed price (the default) or an auction (`price` is then its starting bid). */
  sale: ZSale.optional(),
});
export type CreateItemRequest = z.infer<typeof ZCreateItemRequest>;

export const ZUpdateItemRequest = ZCreateItemRequest.partial().refine(
  (value) => Object.keys(value).length > 0,
  { message: "Change at least one field" },
);
export type UpdateItemRequest = z.infer<typeof ZUpdateItemRequest>;

export const ZSellerRef = z.object({ id: z.uuid(), username: z.string(), displayName: z.string() });

export const ZItem = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  price: ZMoney,
  imageUrl: z.string().nullable(),
  status: ZItemStatus,
  seller: ZSellerRef,
  lastSeq: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  images: z.array(z.string()),
  category: z.string().nullable(),
  condition: ZCondition.nullable(),
  tags: z.array(z.string()),
  specs: z.array(z.tuple([z.string(), z.string()])),
  quantity: z.int(),
  /** Units still for sale; the deal engine lowers it as units are held and sold. */
  quantityAvailable: z.int(),
  location: z.object({ city: z.string().optional(), country: z.string().optional() }),
  shippingOptions: z.array(ZShippingOption),
  offers: ZOffersSetting,
  /** When its seller withdrew it (status `removed`); null otherwise, and for a moderator's removal. */
  withdrawnAt: z.string().nullable(),
  /** How many offer deals on it are open (`offered`, `countered`); the amounts stay in the deal threads. */
  openOffers: z.int().min(0),
  sale: z.enum(["fixed", "auction"]),
  /** The auction, for an item sold by auction; null at a fixed price. */
  auction: ZAuctionState.nullable(),
});
export type Item = z.infer<typeof ZItem>;

const ZQueryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, "Must be a whole number")
    .transform(Number)
    .pipe(z.int().min(min).max(max));

/** A page cursor of digits only (moderation): a PostgreSQL bigint, so at most 2^63 - 1. */
export const ZCursor = z
  .string()
  .regex(/^\d{1,19}$/, "Not a cursor from this API")
  .refine((value) => withinBigint(value), "Not a cursor from this API");

/** Whether every number in a cursor fits a PostgreSQL bigint (a larger one would fail the query). */
function withinBigint(cursor: string): boolean {
  const numbers = cursor.match(/\d+/g) ?? [];
  return numbers.every((n) => n.length <= 19 && BigInt(n) <= 9_223_372_036_854_775_807n);
}

export const SORTS = ["newest", "price_asc", "price_desc", "ending_soon", "relevance"] as const;
export type Sort = (typeof SORTS)[number];

export const ZListItemsQuery = z
  .object({
    q: z.string().trim().max(LIMITS.searchQueryMax, "Keep the search under 200 characters").optional(),
    status: z.enum(["available", "reserved", "sold"]).optional(),
    minPrice: ZQueryInt(0, LIMITS.priceMax).optional(),
    maxPrice: ZQueryInt(0, LIMITS.priceMax).optional(),
    sellerId: z.uuid().optional(),
    limit: ZQueryInt(1, LIMITS.itemsPageMax).default(LIMITS.itemsPageDefault),
    /** Opaque: the `nextCursor` of the previous page of the same query. */
    cursor: z
      .string()
      .max(64)
      .regex(/^(\d+|p\d+_\d+|r\d+)$/, "Not a cursor from this API")
      .refine(
        (value) => withinBigint(value) && Number(/^p(\d+)_/.exec(value)?.[1] ?? 0) <= LIMITS.priceMax,
        "Not a cursor from this API",
      )
      .optional(),
    /** A category id; matches its subcategories too. */
    category: ZCategoryId.optional(),
    /** A comma list of conditions: `new,like_new`. */
    condition: z
      .string()
      .max(100)
      .transform((value) => value.split(",").filter(Boolean))
      .pipe(z.array(ZCondition).max(CONDITIONS.length))
      .optional(),
    tag: z.string().trim().toLowerCase().min(1).max(LIMITS.tagMax).optional(),
    sale: z.enum(["fixed", "auction"], { error: "Sale is fixed or auction" }).optional(),
    sort: z
      .enum(SORTS, { error: "Sort by newest, price_asc, price_desc, ending_soon or relevance" })
      .optional(),
    facets: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
  })
  .transform((query) => ({ ...query, sort: query.sort ?? (query.q ? "relevance" : "newest") }) as const);
export type ListItemsQuery = z.infer<typeof ZListItemsQuery>;

/** Counts of matching items per category and condition, when asked with `facets=true`. */
export const ZFacets = z.object({
  category: z.record(z.string(), z.int()),
  condition: z.record(z.string(), z.int()),
});
export type Facets = z.infer<typeof ZFacets>;

export const ZItemPage = z.object({
  items: z.array(ZItem),
  nextCursor: z.string().nullable(),
  facets: ZFacets.optional(),
});
export type ItemPage = z.infer<typeof ZItemPage>;

/** A row of "My listings": the item and its room at a glance. */
export const ZSellerListing = z.object({ item: ZItem, people: z.int(), messages: z.int() });
export type SellerListing = z.infer<typeof ZSellerListing>;

export const ZEventsQuery = z.object({
  after: ZQueryInt(0, 2 ** 31 - 1).default(0),
  limit: ZQueryInt(1, LIMITS.eventsPageMax).default(LIMITS.eventsPageDefault),
});
export type EventsQuery = z.infer<typeof ZEventsQuery>;

export { ZQueryInt };
