import { z } from "zod";
import type { ZItemDetails } from "./items.js";
import { LIMITS } from "./limits.js";
import { ZMoney } from "./money.js";
import { ZRole } from "./users.js";

/** The types of event in an item's timeline. Clients must ignore types they do not know. */
export const EVENT_TYPES = ["custom:item_details", "text", "custom:payment", "custom:moderation"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ZMessageText = z
  .string()
  .max(LIMITS.messageMax)
  .refine((text) => text.trim().length > 0, { message: "A message cannot be empty" });

export const ZTextBody = z.object({ text: z.string() });

export const ZPaymentEventBody = z.object({
  paymentId: z.uuid(),
  status: z.enum(["succeeded", "failed", "refunded"]),
  amount: ZMoney,
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

/** What a non-moderator receives in place of a hidden event's body. */
export const HIDDEN_BODY = { hidden: true } as const;

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
};

export const ZEvent = z.object({
  itemId: z.uuid(),
  seq: z.int().min(1),
  type: z.string(),
  author: ZEventAuthor.nullable(),
  body: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  /** Only moderators ever receive this: the event is hidden, and why. Others get `body: { hidden: true }`. */
  moderation: z.object({ hidden: z.literal(true), reason: z.string(), hiddenAt: z.string() }).optional(),
});
export type ItemEvent = z.infer<typeof ZEvent>;

/** Narrows an event's body by its type (the body may still be `{ hidden: true }`). */
export function bodyOf<T extends EventType>(event: ItemEvent, type: T): EventBodies[T] | null {
  return event.type === type ? (event.body as EventBodies[T]) : null;
}

export function isHidden(event: ItemEvent): boolean {
  return event.body.hidden === true;
}
