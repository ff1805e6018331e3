import { z } from "zod";
import { ZMoney } from "./money.js";

export const PAYMENT_STATUSES = [
  "requires_payment",
  "processing",
  "succeeded",
  "failed",
  "canceled",
  "refunded",
] as const;
export const ZPaymentStatus = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof ZPaymentStatus>;

/**
 * Statuses in which a payment still holds its item reserved. `failed` is one of them: the last attempt
 * was declined, and the buyer may try again until the hold expires.
 */
export const OPEN_PAYMENT_STATUSES = [
  "requires_payment",
  "processing",
  "failed",
] as const satisfies readonly PaymentStatus[];

export const ZPaymentProvider = z.enum(["simulated", "stripe"]);
export type PaymentProvider = z.infer<typeof ZPaymentProvider>;

export const ZPayment = z.object({
  id: z.uuid(),
  itemId: z.uuid(),
  buyerId: z.uuid(),
  status: ZPaymentStatus,
  provider: ZPaymentProvider,
  /** Always the item's price when the checkout was made, read on the server. */
  amount: ZMoney,
  /** Stripe's PaymentIntent client secret, for Stripe.js in the buyer's browser; null when simulated. */
  clientSecret: z.string().nullable(),
  /** Why the latest attempt failed (`card_declined`, `insufficient_funds`, …). */
  failureCode: z.string().nullable(),
  /** When the hold on the item ends if the payment has not succeeded by then. */
  expiresAt: z.string(),
  createdAt: z.string(),
  /** Extension: how much went back to the buyer once `refunded` (all of it, or a moderator's partial amount). */
  refunded: ZMoney.nullable(),
});
export type Payment = z.infer<typeof ZPayment>;

export const ZPaymentResponse = z.object({ payment: ZPayment });
export type PaymentResponse = z.infer<typeof ZPaymentResponse>;

/** Whole numbers, sent as numbers or as digit strings (form fields often are strings). */
const ZDigits = (min: number, max: number) =>
  z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,4}$/)
        .transform(Number),
    ])
    .pipe(z.int().min(min).max(max));

export const ZCard = z.strictObject({
  /** Spaces and dashes are allowed between groups of digits. */
  number: z
    .string()
    .transform((value) => value.replace(/[\s-]/g, ""))
    .pipe(z.string().regex(/^\d{12,19}$/, "Must be a card number of 12 to 19 digits")),
  expMonth: ZDigits(1, 12),
  expYear: ZDigits(0, 9999),
  cvc: z
    .union([z.string(), z.int().transform(String)])
    .pipe(z.string().regex(/^\d{3,4}$/, "Must be 3 or 4 digits")),
});
export type Card = z.infer<typeof ZCard>;

/** `POST /api/payments/:id/confirm`, simulated processor only (Stripe cards never reach our server). */
export const ZConfirmPaymentRequest = z.strictObject({ card: ZCard });
export type ConfirmPaymentRequest = z.infer<typeof ZConfirmPaymentRequest>;

/** `GET /api/config`: the public settings the web app needs. Nothing secret belongs here. */
export const ZPublicConfig = z.object({
  paymentProvider: ZPaymentProvider,
  stripePublishableKey: z.string().nullable(),
  checkoutHoldSeconds: z.int(),
});
export type PublicConfig = z.infer<typeof ZPublicConfig>;
