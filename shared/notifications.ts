import { z } from "zod";

/** Every notification type (the contract's list). */
export const NOTIFICATION_TYPES = [
  "message.received",
  "offer.received",
  "offer.countered",
  "offer.accepted",
  "offer.declined",
  "offer.expired",
  "deal.paid",
  "deal.shipped",
  "deal.completed",
  "deal.disputed",
  "deal.refunded",
  "review.published",
  "auction.outbid",
  "auction.won",
  "auction.ending",
  "favorite.price_dropped",
  "favorite.sold",
  "search.matched",
  "moderation.action",
] as const;
export const ZNotificationType = z.enum(NOTIFICATION_TYPES);
export type NotificationType = z.infer<typeof ZNotificationType>;

/**
 * What a user may choose to receive by email: each type, and `message.received.room` for messages in
 * item rooms (`message.received` alone is deal threads).
 */
export const EMAIL_PREFERENCE_KEYS = [...NOTIFICATION_TYPES, "message.received.room"] as const;
export const ZEmailPreferenceKey = z.enum(EMAIL_PREFERENCE_KEYS, { error: "Unknown notification type" });
export type EmailPreferenceKey = z.infer<typeof ZEmailPreferenceKey>;

/** Every type is emailed by default but messages in item rooms (they can be many). */
export const DEFAULT_EMAIL_PREFERENCES = Object.fromEntries(
  EMAIL_PREFERENCE_KEYS.map((key) => [key, key !== "message.received.room"]),
) as Record<EmailPreferenceKey, boolean>;

export const EMAIL_PREFERENCE_LABELS: Record<EmailPreferenceKey, string> = {
  "message.received": "Messages in your deals",
  "message.received.room": "Messages in item rooms you joined",
  "offer.received": "Offers received",
  "offer.countered": "Counter-offers",
  "offer.accepted": "Offers accepted",
  "offer.declined": "Offers declined",
  "offer.expired": "Offers expired",
  "deal.paid": "Payments",
  "deal.shipped": "Orders shipped",
  "deal.completed": "Orders completed",
  "deal.disputed": "Disputes",
  "deal.refunded": "Refunds",
  "review.published": "Reviews of you",
  "auction.outbid": "Outbid",
  "auction.won": "Auctions won",
  "auction.ending": "Auctions ending soon",
  "favorite.price_dropped": "Price drops on favourites",
  "favorite.sold": "Favourites sold",
  "search.matched": "New items for saved searches",
  "moderation.action": "Moderators' actions",
};

/** The contract's `Notification`; `link` is a path in the web app. */
export const ZNotification = z.object({
  id: z.uuid(),
  type: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string(),
  data: z.record(z.string(), z.unknown()),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Notification = z.infer<typeof ZNotification>;

export const ZNotificationsQuery = z.strictObject({
  unread: z.enum(["true", "false"], { error: "unread is true or false" }).optional(),
  cursor: z.string().max(200, "That cursor is not one we gave out").optional(),
  limit: z.coerce.number({ error: "limit is a number" }).int().min(1).max(100).optional(),
});

export const ZNotificationsResponse = z.object({
  notifications: z.array(ZNotification),
  nextCursor: z.string().nullable(),
  unread: z.int(),
});
export type NotificationsResponse = z.infer<typeof ZNotificationsResponse>;

export const ZMarkReadRequest = z.union(
  [
    z.strictObject({
      ids: z
        .array(z.uuid({ error: "Each id is a notification's id" }))
        .min(1)
        .max(200),
    }),
    z.strictObject({ all: z.literal(true) }),
  ],
  { error: "Send { ids: [...] } or { all: true }" },
);
export type MarkReadRequest = z.infer<typeof ZMarkReadRequest>;

export const ZPreferences = z.object({
  email: z.record(ZEmailPreferenceKey, z.boolean()),
});
export type Preferences = z.infer<typeof ZPreferences>;

export const ZUpdatePreferencesRequest = z.strictObject({
  email: z.partialRecord(ZEmailPreferenceKey, z.boolean({ error: "Each preference is true or false" })),
});

/** The signed-in user's email settings (an extension: the settings page). */
export const ZEmailSettings = z.object({
  address: z.string().nullable(),
  verified: z.boolean(),
  /** False when the server has no SMTP_URL: nothing is emailed. */
  enabled: z.boolean(),
});
export type EmailSettings = z.infer<typeof ZEmailSettings>;

export const ZVerifyEmailRequest = z.strictObject({
  token: z.string({ error: "Send the token from the email" }).min(1).max(2000),
});

/** One of the user's conversations in their inbox: an item room they joined, or one of their deals. */
export const ZConversation = z.object({
  kind: z.enum(["item", "deal"]),
  id: z.uuid(),
  title: z.string(),
  link: z.string(),
  unread: z.int().min(0),
  lastActivityAt: z.string(),
});
export type Conversation = z.infer<typeof ZConversation>;
export const ZConversationList = z.object({ conversations: z.array(ZConversation) });
