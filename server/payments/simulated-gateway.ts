import { randomBytes } from "node:crypto";
import type { Money } from "../../shared/money.js";
import type { Card } from "../../shared/payments.js";
import type { CardOutcome, IntentState, PaymentGateway } from "./gateway.js";

/** Stripe's test cards, as the contract lists them; any other number is declined. */
export const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": { status: "succeeded" },
  "4000000000000002": { status: "failed", failureCode: "card_declined" },
  "4000000000009995": { status: "failed", failureCode: "insufficient_funds" },
};

/**
 * What the simulated processor does with a card: an expired one is refused (`expired_card`) as a real
 * processor would, whatever its number; otherwise the test card's outcome. A two-digit year is 20YY.
 */
export function simulatedOutcome(
  card: Pick<Card, "number" | "expMonth" | "expYear">,
  now: Date = new Date(),
): CardOutcome {
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
  if (year * 12 + card.expMonth < thisMonth) return { status: "failed", failureCode: "expired_card" };
  return TEST_CARDS[card.number] ?? { status: "failed", failureCode: "card_declined" };
}

/**
 * The built-in processor used when no Stripe keys are set, so the embedded default works end to end
 * offline. It moves no money. Its charges live in memory: after a restart it no longer knows old ones,
 * which only matters to `retrieve`, and the service never needs it for simulated payments.
 */
export class SimulatedGateway implements PaymentGateway {
  readonly provider = "simulated" as const;
  readonly #intents = new Map<string, IntentState>();
  readonly #byKey = new Map<string, string>();
  /** Each charge's amount, and each refund by its key. */
  readonly #charged = new Map<string, number>();
  readonly #refunds = new Map<string, { id: string; ref: string; amount: number }>();

  async createIntent(money: Money, _metadata: unknown, idempotencyKey: string) {
    const existing = this.#byKey.get(idempotencyKey);
    if (existing) return { ref: existing, clientSecret: null };
    const ref = `sim_pi_${randomBytes(12).toString("hex")}`;
    this.#byKey.set(idempotencyKey, ref);
    this.#charged.set(ref, money.amount);
    this.#intents.set(ref, { ref, status: "requires_payment", failureCode: null });
    return { ref, clientSecret: null };
  }

  chargeCard(ref: string, card: Card): CardOutcome {
    const outcome = simulatedOutcome(card);
    this.#intents.set(ref, {
      ref,
      status: outcome.status,
      failureCode: outcome.status === "failed" ? outcome.failureCode : null,
    });
    return outcome;
  }

  async cancel(ref: string): Promise<void> {
    const intent = this.#intents.get(ref);
    if (intent?.status === "succeeded") throw new Error("A succeeded charge cannot be canceled");
    this.#intents.set(ref, { ref, status: "canceled", failureCode: intent?.failureCode ?? null });
  }

  /** Moves no money either; remembers each key's refund and refuses more back than was charged. */
  async refund(ref: string, idempotencyKey: string, amount?: Money): Promise<string> {
    const existing = this.#refunds.get(idempotencyKey);
    if (existing) return existing.id;
    const charged = this.#charged.get(ref);
    const refunded = [...this.#refunds.values()]
      .filter((refund) => refund.ref === ref)
      .reduce((sum, refund) => sum + refund.amount, 0);
    const wanted = amount?.amount ?? (charged ?? 0) - refunded;
    if (charged !== undefined && refunded + wanted > charged) {
      throw new Error("A refund cannot exceed what was charged");
    }
    const id = `sim_re_${randomBytes(12).toString("hex")}`;
    this.#refunds.set(idempotencyKey, { id, ref, amount: wanted });
    return id;
  }

  async retrieve(ref: string): Promise<IntentState> {
    const intent = this.#intents.get(ref);
    if (!intent) throw new Error(`The simulated processor does not know ${ref}`);
    return intent;
  }
}
