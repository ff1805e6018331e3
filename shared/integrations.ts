import { z } from "zod";
import { ZQueryInt } from "./items.js";

/** Most events one feed page carries (the contract's `limit` ≤ 100). */
export const FEED_PAGE_MAX = 100;
/** Most webhook endpoints, and most type patterns one endpoint or feed query names. */
export const WEBHOOK_ENDPOINTS_MAX = 50;
export const TYPE_PATTERNS_MAX = 20;

/**
 * An event type or a pattern of them: an exact type (`deal.paid`), a prefix ending in `*` (`deal.*`),
 * or `*` for every type.
 */
export const ZTypePattern = z
  .string()
  .trim()
  .regex(
    /^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.?\*)?)$/,
    "Name event types such as item.sold, or patterns such as deal.* (or * for all)",
  )
  .max(64, "Keep each event type under 64 characters");

/** `GET /api/feed` query: `after` a position (0 = from the start), `types` a comma list of patterns. */
export const ZFeedQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "after is a position from the feed (a whole number)")
    .transform(Number)
    .default(0),
  types: z
    .string()
    .max(1000, "Name fewer types")
    .transform((value) => value.split(",").filter(Boolean))
    .pipe(z.array(ZTypePattern).max(TYPE_PATTERNS_MAX, `At most ${TYPE_PATTERNS_MAX} types`))
    .optional(),
  limit: ZQueryInt(1, FEED_PAGE_MAX).default(FEED_PAGE_MAX),
});
export type FeedQuery = z.infer<typeof ZFeedQuery>;

/** One event of the feed, and the body of every webhook delivery. */
export const ZFeedEvent = z.object({
  /** Strictly increasing along the feed, never reused: the next page's `after`. */
  position: z.int(),
  /** Stable; a webhook's `webhook-id`. */
  id: z.uuid(),
  type: z.string(),
  createdAt: z.string(),
  resource: z.object({ type: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
});
export type FeedEvent = z.infer<typeof ZFeedEvent>;

export const ZFeedPage = z.object({
  events: z.array(ZFeedEvent),
  /** The `after` of the next call: past every event of this page, and past entries it skipped. */
  nextAfter: z.int(),
});
export type FeedPage = z.infer<typeof ZFeedPage>;

export const ZCreateWebhookEndpointRequest = z.strictObject({
  url: z
    .string({ error: "Give the endpoint's URL" })
    .trim()
    .max(2000, "Keep the URL under 2000 characters")
    .refine((value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value), {
      message: "The URL starts with https:// (or http://)",
    }),
  types: z
    .array(ZTypePattern, { error: 'List the event types to send, such as ["deal.*"] or ["*"]' })
    .min(1, 'List at least one event type ("*" sends them all)')
    .max(TYPE_PATTERNS_MAX, `At most ${TYPE_PATTERNS_MAX} types`),
});
export type CreateWebhookEndpointRequest = z.infer<typeof ZCreateWebhookEndpointRequest>;

export const ZWebhookEndpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  types: z.array(z.string()),
  /** `whsec_` + base64: only in the answer that created the endpoint. */
  secret: z.string().optional(),
  disabledAt: z.string().nullable(),
  /** Why it was disabled (the endpoint answered 410, or five days of failures). */
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
});
export type WebhookEndpoint = z.infer<typeof ZWebhookEndpoint>;

export const ZWebhookEndpointResponse = z.object({ endpoint: ZWebhookEndpoint });
export const ZWebhookEndpointList = z.object({ endpoints: z.array(ZWebhookEndpoint) });

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;

export const ZWebhookDelivery = z.object({
  id: z.uuid(),
  endpointId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  position: z.int(),
  /** `pending` (to be tried, or retried at `nextAttemptAt`), `succeeded`, or `failed` (gave up). */
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  /** The endpoint's last HTTP status; null if it never answered. */
  lastStatus: z.int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDelivery = z.infer<typeof ZWebhookDelivery>;

export const ZWebhookDeliveryList = z.object({ deliveries: z.array(ZWebhookDelivery) });
export const ZWebhookDeliveryResponse = z.object({ delivery: ZWebhookDelivery });
