import { z } from "zod";
import { LIMITS } from "./limits.js";
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
    message: "Must be an http(s) URL or an uploaded image",
  });

export const ZItemDetails = z.strictObject({
  title: z.string().trim().min(1).max(LIMITS.titleMax),
  description: z.string().trim().max(LIMITS.descriptionMax),
  price: ZMoney,
  imageUrl: ZImageUrl.nullable(),
});
export type ItemDetails = z.infer<typeof ZItemDetails>;

export const ZCreateItemRequest = z.strictObject({
  title: ZItemDetails.shape.title,
  description: ZItemDetails.shape.description,
  price: ZMoney,
  imageUrl: ZImageUrl.nullish(),
});
export type CreateItemRequest = z.infer<typeof ZCreateItemRequest>;

export const ZUpdateItemRequest = ZCreateItemRequest.partial().refine(
  (value) => Object.keys(value).length > 0,
  { message: "Change at least one of title, description, price, imageUrl" },
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
});
export type Item = z.infer<typeof ZItem>;

const ZQueryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, "Must be a whole number")
    .transform(Number)
    .pipe(z.int().min(min).max(max));

/** A page cursor this API hands out: a PostgreSQL bigint, so at most 2^63 - 1. */
export const ZCursor = z
  .string()
  .regex(/^\d{1,19}$/, "Not a cursor from this API")
  .refine(
    (value) => /^\d{1,19}$/.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n,
    "Not a cursor from this API",
  );

export const ZListItemsQuery = z.object({
  q: z.string().trim().max(LIMITS.searchQueryMax).optional(),
  status: z.enum(["available", "reserved", "sold"]).optional(),
  minPrice: ZQueryInt(0, LIMITS.priceMax).optional(),
  maxPrice: ZQueryInt(0, LIMITS.priceMax).optional(),
  sellerId: z.uuid().optional(),
  limit: ZQueryInt(1, LIMITS.itemsPageMax).default(LIMITS.itemsPageDefault),
  cursor: ZCursor.optional(),
});
export type ListItemsQuery = z.infer<typeof ZListItemsQuery>;

export const ZItemPage = z.object({ items: z.array(ZItem), nextCursor: z.string().nullable() });
export type ItemPage = z.infer<typeof ZItemPage>;

export const ZEventsQuery = z.object({
  after: ZQueryInt(0, 2 ** 31 - 1).default(0),
  limit: ZQueryInt(1, LIMITS.eventsPageMax).default(LIMITS.eventsPageDefault),
});
export type EventsQuery = z.infer<typeof ZEventsQuery>;

export { ZQueryInt };
