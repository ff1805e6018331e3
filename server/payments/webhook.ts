import express, { Router } from "express";
import Stripe from "stripe";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { LIMITS } from "../../shared/limits.js";
import type { ProcessorEvent } from "./processor-event.js";
import type { PaymentService } from "./service.js";
import { failureCodeOf } from "./stripe-gateway.js";

/** How old a signed webhook may be, in seconds (Stripe's own default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const INTENT_EVENTS = {
  "payment_intent.succeeded": "succeeded",
  "payment_intent.payment_failed": "failed",
  "payment_intent.processing": "processing",
  "payment_intent.canceled": "canceled",
} as const;

const ZEnvelope = z.object({
  id: z.string().min(1),
  type: z.string(),
  data: z.object({ object: z.unknown() }),
});

const ZIntent = z.object({
  id: z.string().min(1),
  object: z.literal("payment_intent"),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish() }).nullish(),
});

const ZCharge = z.object({
  id: z.string().min(1),
  object: z.literal("charge"),
  payment_intent: z.string().min(1).nullable(),
  metadata: z.record(z.string(), z.string()).nullish(),
  refunds: z.object({ data: z.array(z.object({ id: z.string() })) }).nullish(),
});

const paymentIdOf = (metadata: Record<string, string> | null | undefined) =>
  metadata?.paymentId && z.uuid().safeParse(metadata.paymentId).success ? metadata.paymentId : null;

/** A verified Stripe event in our words; null for the types we do not handle. */
export function toProcessorEvent(event: unknown): ProcessorEvent | null {
  const envelope = parseOrThrow(ZEnvelope, event, "event");
  if (envelope.type in INTENT_EVENTS) {
    const intent = parseOrThrow(ZIntent, envelope.data.object, "payment intent");
    const type = INTENT_EVENTS[envelope.type as keyof typeof INTENT_EVENTS];
    return {
      id: envelope.id,
      type,
      ref: intent.id,
      paymentId: paymentIdOf(intent.metadata),
      failureCode: type === "failed" ? failureCodeOf(intent.last_payment_error) : null,
    };
  }
  if (envelope.type === "charge.refunded") {
    const charge = parseOrThrow(ZCharge, envelope.data.object, "charge");
    if (!charge.payment_intent) return null;
    return {
      id: envelope.id,
      type: "refunded",
      ref: charge.payment_intent,
      paymentId: paymentIdOf(charge.metadata),
      refundRef: charge.refunds?.data[0]?.id ?? charge.id,
    };
  }
  return null;
}

/**
 * `POST /api/webhooks/stripe`. Mounted before the JSON parser: the signature covers the raw bytes.
 * A bad or stale signature gets 400; an unknown type 200 and no change; an error 500, so Stripe retries.
 */
export function stripeWebhookRoutes(payments: PaymentService, webhookSecret: string | null): Router {
  const router = Router();
  router.post("/", express.raw({ type: "application/json", limit: LIMITS.bodyBytes }), async (req, res) => {
    if (!webhookSecret) throw new AppError("not_found", "Stripe is not configured on this server");
    const signature = req.get("stripe-signature");
    if (!signature || !Buffer.isBuffer(req.body)) {
      throw new AppError("bad_request", "Expected a JSON body signed by Stripe");
    }
    let event: unknown;
    try {
      event = Stripe.webhooks.constructEvent(req.body, signature, webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
    } catch {
      throw new AppError("bad_request", "Invalid or expired Stripe signature");
    }
    const processorEvent = toProcessorEvent(event);
    const outcome = processorEvent ? await payments.handleProcessorEvent(processorEvent) : "ignored";
    res.json({ received: true, outcome });
  });
  return router;
}
