import { z } from "zod";
import { ZMoney } from "../../../shared/money.js";

/**
 * The contract's Payment and config shapes. Checkout is built in parallel on another branch; until its
 * schemas land in `shared/`, the web app parses the contract's shapes with these.
 */
export const ZPayment = z.object({
  id: z.string(),
  itemId: z.string(),
  buyerId: z.string(),
  status: z.enum(["requires_payment", "processing", "succeeded", "failed", "canceled", "refunded"]),
  provider: z.enum(["simulated", "stripe"]),
  amount: ZMoney,
  clientSecret: z.string().nullable(),
  failureCode: z.string().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
});
export type Payment = z.infer<typeof ZPayment>;

export const ZPublicConfig = z.object({
  paymentProvider: z.enum(["simulated", "stripe"]),
  stripePublishableKey: z.string().nullable().optional(),
  checkoutHoldSeconds: z.number(),
});
export type PublicConfig = z.infer<typeof ZPublicConfig>;

export type CardInput = { number: string; expMonth: number; expYear: number; cvc: string };
