import express, { Router } from "express";
import type { Logger } from "pino";
import Stripe from "stripe";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { LIMITS } from "../../shared/limits.js";
import type { ProcessorEvent } from "./processor-event.js";
import type { PaymentService } from "./service.js";
import type { PaymentRecord } from "./store.js";
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
  amount: z.int(),
  currency: z.string(),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish() }).nullish(),
});

const ZCharge = z.object({
  id: z.string().min(1),
  object: z.literal("charge"),
  amount: z.int().optional(),
  currency: z.string().optional(),
  payment_intent: z.string().min(1).nullable(),
  metadata: z.record(z.string(), z.string()).nullish(),
  amount_refunded: z.int().nonnegative().optional(),
  refunds: z.object({ data: z.array(z.object({ id: z.string() })) }).nullish(),
});

const paymentIdOf = (metadata: Record<string, string> | null | undefined) =>
  metadata?.paymentId && z.uuid().safeParse(metadata.paymentId).success ? metadata.paymentId : null;

/** What a charge says it is for: the money it moves. */
export type ChargeAmount = { amount: number; currency: string };

/** A verified Stripe event in our words, with the charge's amount; null for the types we do not handle. */
export function toProcessorEvent(event: unknown): (ProcessorEvent & { charged: ChargeAmount | null }) | null {
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
      charged: { amount: intent.amount, currency: intent.currency },
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
      amountRefunded: charge.amount_refunded ?? null,
      charged:
        charge.amount !== undefined && charge.currency !== undefined
          ? { amount: charge.amount, currency: charge.currency }
          : null,
    };
  }
  return null;
}

/**
 * Why an event cannot be about `payment`, or null if it can: metadata is written by whoever creates the
 * charge, so an intent naming our payment must also be the payment's own intent (once its id is stored)
 * and move exactly its amount in its currency (an intent always says; a charge is checked when it does).
 * A 1-cent charge naming a $500 payment sells nothing.
 */
export function mismatchOf(
  event: { ref: string; charged: ChargeAmount | null },
  payment: Pick<PaymentRecord, "providerRef" | "amount">,
): string | null {
  if (payment.providerRef !== null && payment.providerRef !== event.ref) return "intent id";
  if (event.charged === null) return null;
  if (event.charged.amount !== payment.amount.amount) return "amount";
  if (event.charged.currency.toLowerCase() !== payment.amount.currency) return "currency";
  return null;
}

/** Finds the payment an event is about: by the intent id stored at checkout, else by the metadata's id. */
export type PaymentLookup = (ref: string, paymentId: string | null) => Promise<PaymentRecord | null>;

/**
 * `POST /api/webhooks/stripe`. Mounted before the JSON parser: the signature covers the raw bytes.
 * A bad or stale signature gets 400; an unknown type 200 and no change; an error 500, so Stripe retries.
 */
export function stripeWebhookRoutes(
  payments: PaymentService,
  webhookSecret: string | null,
  lookup: PaymentLookup,
  logger: Logger,
): Router {
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
    if (!processorEvent) return void res.json({ received: true, outcome: "ignored" });
    const { charged, ...rest } = processorEvent;
    const payment = await lookup(rest.ref, rest.paymentId);
    const mismatch = payment ? mismatchOf(processorEvent, payment) : null;
    if (payment && mismatch) {
      logger.warn(
        { eventId: rest.id, ref: rest.ref, paymentId: payment.id, mismatch, charged },
        "Stripe event does not match the payment it names; ignored",
      );
      return void res.json({ received: true, outcome: "ignored" });
    }
    res.json({ received: true, outcome: await payments.handleProcessorEvent(rest) });
  });
  return router;
}
