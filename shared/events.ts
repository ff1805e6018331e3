import { z } from "zod";
import { ZAuctionEventBody, ZBidEventBody } from "./auctions.js";
import { ZItemDetails } from "./items.js";
import { LIMITS } from "./limits.js";
import { ZMoney } from "./money.js";
import { ZRole } from "./users.js";

/**
 * Events live in conversations: an item's public room (`itemId`) or a deal's private thread (`dealId`).
 * Each conversation numbers its events 1, 2, 3, … with no gaps. Every event type is one schema below
 * with a literal `type`; clients must ignore types they do not know (the fallback member of the union).
 */
export const EVENT_TYPES = [
  "custom:item_details",
  "text",
  "custom:payment",
  "custom:moderation",
  "custom:deal",
  "custom:bid",
  "custom:auction",
  "custom:review",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ZMessageText = z
  .string()
  .max(LIMITS.messageMax)
  .refine((text) => text.trim().length > 0, { message: "A message cannot be empty" });

/** What a non-moderator receives in place of a hidden event's body. */
export const HIDDEN_BODY = { hidden: true } as const;
export const ZHiddenBody = z.object({ hidden: z.literal(true) });

export const ZTextBody = z.object({ text: z.string() });

export const ZPaymentEventBody = z.object({
  paymentId: z.uuid(),
  status: z.enum(["succeeded", "failed", "refunded"]),
  /**
   * Absent (extension) only in the item's room for the sale of an offer deal: what buyer and seller
   * agreed stays in their private thread, whose copy of the event carries it.
   */
  amount: ZMoney.optional(),
  buyer: z.object({ id: z.uuid(), username: z.string() }),
  provider: z.enum(["simulated", "stripe"]),
  failureCode: z.string().optional(),
});
export type PaymentEventBody = z.infer<typeof ZPaymentEventBody>;

export const ZModerationEventBody = z.object({
  action: z.enum(["hide", "restore", "remove"]),
  targetSeq: z.int().optional(),
  reason: z.string(),
});
export type ModerationEventBody = z.infer<typeof ZModerationEventBody>;

export const ACTORS = ["buyer", "seller", "moderator", "system"] as const;
export const ZActor = z.enum(ACTORS);
export type Actor = z.infer<typeof ZActor>;

/** A deal's transition, in its private thread. `from` is null for the transition that starts the deal. */
export const ZDealEventBody = z.object({
  transition: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  by: ZActor,
  params: z.record(z.string(), z.unknown()).optional(),
});
export type DealEventBody = z.infer<typeof ZDealEventBody>;

/**
 * Reviews in a deal's private thread: `written` when a party reviewed (`role`; the content stays blind),
 * `published` when the deal's reviews became visible (both reviewed, or the window ended).
 */
export const ZReviewEventBody = z.object({
  action: z.enum(["written", "published"]),
  role: z.enum(["buyer", "seller"]).optional(),
});
export type ReviewEventBody = z.infer<typeof ZReviewEventBody>;

export const ZEventAuthor = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  role: ZRole,
});
export type EventAuthor = z.infer<typeof ZEventAuthor>;

/** Bodies by type; `body` is `{ hidden: true }` when a moderator hid the event and the reader is not one. */
export type EventBodies = {
  "custom:item_details": z.infer<typeof ZItemDetails>;
  text: z.infer<typeof ZTextBody>;
  "custom:payment": PaymentEventBody;
  "custom:moderation": ModerationEventBody;
  "custom:deal": DealEventBody;
  "custom:bid": z.infer<typeof ZBidEventBody>;
  "custom:auction": z.infer<typeof ZAuctionEventBody>;
  "custom:review": ReviewEventBody;
};

/** Each known type with the schema of its body; a text body may be hidden by a moderator. */
const BODY_SCHEMAS = {
  "custom:item_details": ZItemDetails,
  text: z.union([ZTextBody, ZHiddenBody]),
  "custom:payment": ZPaymentEventBody,
  "custom:moderation": ZModerationEventBody,
  "custom:deal": ZDealEventBody,
  "custom:bid": ZBidEventBody,
  "custom:auction": ZAuctionEventBody,
  "custom:review": ZReviewEventBody,
} as const satisfies Record<EventType, z.ZodType>;

/** Checks a body against its type's schema; the server runs it on every event it writes. */
export function parseEventBody(type: EventType, body: unknown): Record<string, unknown> {
  return BODY_SCHEMAS[type].parse(body) as Record<string, unknown>;
}

const ZEventEnvelope = z.object({
  seq: z.int().min(1),
  author: ZEventAuthor.nullable(),
  createdAt: z.string(),
  /** On a chat message: the id its author's client chose, so the author matches its pending bubble. */
  clientMessageId: z.string().optional(),
  /** Only moderators ever receive this: the event is hidden, and why. Others get `body: { hidden: true }`. */
  moderation: z.object({ hidden: z.literal(true), reason: z.string(), hiddenAt: z.string() }).optional(),
});

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

/** The typed union of one conversation kind's events, with a fallback for types this build does not know. */
function eventUnion<S extends z.ZodRawShape>(conversation: S) {
  const envelope = ZEventEnvelope.extend(conversation);
  const typed = <T extends EventType>(type: T) =>
    envelope.extend({ type: z.literal(type), body: BODY_SCHEMAS[type] });
  return z.union([
    z.discriminatedUnion("type", [
      typed("custom:item_details"),
      typed("text"),
      typed("custom:payment"),
      typed("custom:moderation"),
      typed("custom:deal"),
      typed("custom:bid"),
      typed("custom:auction"),
      typed("custom:review"),
    ]),
    envelope.extend({
      type: z
        .string()
        .refine((type) => !KNOWN_TYPES.has(type), { message: "Malformed event of a known type" }),
      body: z.record(z.string(), z.unknown()),
    }),
  ]);
}

/** An event in an item's public room. */
export const ZItemEvent = eventUnion({ itemId: z.uuid() });
export type ItemEvent = z.infer<typeof ZItemEvent>;

/** An event in a deal's private thread (`text`, `custom:deal`, `custom:payment`, `custom:review`). */
export const ZDealEvent = eventUnion({ dealId: z.uuid() });
export type DealEvent = z.infer<typeof ZDealEvent>;

/** Any event, of a room or of a thread (the contract's `Event`). */
export const ZEvent = z.union([ZItemEvent, ZDealEvent]);
export type TimelineEvent = ItemEvent | DealEvent;

/** Narrows an event's body by its type (the body may still be `{ hidden: true }`). */
export function bodyOf<T extends EventType>(event: TimelineEvent, type: T): EventBodies[T] | null {
  return event.type === type ? (event.body as EventBodies[T]) : null;
}

export function isHidden(event: TimelineEvent): boolean {
  return (event.body as Record<string, unknown>).hidden === true;
}

/** Where an event belongs: `item:<id>` or `deal:<id>` (one key for maps over mixed events). */
export function conversationOf(event: TimelineEvent): string {
  return "dealId" in event ? `deal:${event.dealId}` : `item:${event.itemId}`;
}
