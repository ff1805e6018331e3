import Stripe from "stripe";
import type { Money } from "../../shared/money.js";
import type { Config } from "../config.js";
import type { IntentState, IntentStatus, PaymentGateway } from "./gateway.js";

type StripeSettings = NonNullable<Config["stripe"]>;

/** Stripe's decline reasons in the contract's words: the specific decline code when there is one. */
export function failureCodeOf(
  error: { code?: string | null; decline_code?: string | null } | null | undefined,
): string {
  if (error?.decline_code && error.decline_code !== "generic_decline") return error.decline_code;
  return error?.code ?? "card_declined";
}

/** A PaymentIntent status in our words. */
export function intentStatusOf(intent: {
  status: string;
  last_payment_error?: { code?: string | null; decline_code?: string | null } | null;
}): IntentStatus {
  switch (intent.status) {
    case "succeeded":
      return "succeeded";
    case "canceled":
      return "canceled";
    case "processing":
    case "requires_capture":
      return "processing";
    case "requires_payment_method":
      // Stripe returns a declined intent to requires_payment_method with the error attached.
      return intent.last_payment_error ? "failed" : "requires_payment";
    default:
      return "requires_payment";
  }
}

/** `STRIPE_API_BASE` as the SDK's host, port and protocol (a path in the URL is not supported). */
export function apiBaseOptions(
  apiBase: string | undefined,
): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: url.port || (protocol === "http" ? 80 : 443), protocol };
}

/** Real payments through Stripe's PaymentIntents; the buyer's browser confirms them with Stripe.js. */
export class StripeGateway implements PaymentGateway {
  readonly provider = "stripe" as const;
  readonly #stripe: Stripe;

  constructor(settings: StripeSettings) {
    this.#stripe = new Stripe(settings.secretKey, {
      ...apiBaseOptions(settings.apiBase),
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "parley" },
    });
  }

  async createIntent(money: Money, metadata: Record<string, string>, idempotencyKey: string) {
    const intent = await this.#stripe.paymentIntents.create(
      {
        amount: money.amount,
        currency: money.currency,
        metadata,
        automatic_payment_methods: { enabled: true },
      },
      { idempotencyKey },
    );
    return { ref: intent.id, clientSecret: intent.client_secret };
  }

  async cancel(ref: string): Promise<void> {
    await this.#stripe.paymentIntents.cancel(ref);
  }

  async refund(ref: string, idempotencyKey: string, amount?: Money): Promise<string> {
    const refund = await this.#stripe.refunds.create(
      {
        payment_intent: ref,
        ...(amount ? { amount: amount.amount } : {}),
        metadata: { key: idempotencyKey },
      },
      { idempotencyKey },
    );
    return refund.id;
  }

  async retrieve(ref: string): Promise<IntentState> {
    const intent = await this.#stripe.paymentIntents.retrieve(ref);
    return {
      ref: intent.id,
      status: intentStatusOf(intent),
      failureCode: intent.last_payment_error ? failureCodeOf(intent.last_payment_error) : null,
    };
  }
}
