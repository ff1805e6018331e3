import type { Money } from "../../shared/money.js";
import type { Card, PaymentProvider } from "../../shared/payments.js";
import type { Config } from "../config.js";
import { SimulatedGateway } from "./simulated-gateway.js";
import { StripeGateway } from "./stripe-gateway.js";

/** What the processor says about a charge, in our words. */
export type IntentStatus = "requires_payment" | "processing" | "succeeded" | "failed" | "canceled";

export type IntentState = { ref: string; status: IntentStatus; failureCode: string | null };

export type CardOutcome = { status: "succeeded" } | { status: "failed"; failureCode: string };

/**
 * A card processor. Stripe and the built-in simulated one both implement it; the service never knows
 * which one it talks to, except that only the simulated one takes card numbers (`chargeCard`).
 */
export interface PaymentGateway {
  readonly provider: PaymentProvider;
  /**
   * Opens a charge for `money`. The same `idempotencyKey` always yields the same charge, so a retried
   * checkout never opens two.
   */
  createIntent(
    money: Money,
    metadata: Record<string, string>,
    idempotencyKey: string,
  ): Promise<{ ref: string; clientSecret: string | null }>;
  /** Cancels an unpaid charge. Throws if it cannot (for example because it succeeded meanwhile). */
  cancel(ref: string): Promise<void>;
  /**
   * Refunds `amount` of a succeeded charge (all of it when absent), once per `idempotencyKey`: the same
   * key is the same refund. Resolves with the refund's id.
   */
  refund(ref: string, idempotencyKey: string, amount?: Money): Promise<string>;
  /** The charge as the processor sees it now. */
  retrieve(ref: string): Promise<IntentState>;
  /** Simulated processor only: charges a card synchronously. */
  chargeCard?(ref: string, card: Card): CardOutcome;
}

/** The configured processor: Stripe when its keys are set, else the simulated one. */
export function createGateway(stripe: Config["stripe"]): PaymentGateway {
  return stripe ? new StripeGateway(stripe) : new SimulatedGateway();
}
