import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import Stripe from "stripe";

/**
 * A local Stripe: the few endpoints Parley's gateway calls, answering with realistic objects, so the
 * real `stripe` SDK runs end to end. Tests drive what Stripe would do on its own (a card succeeding or
 * being declined) with `succeed`/`decline`, and deliver the resulting events as signed webhooks.
 * Any request it does not know is answered 404 and recorded in `unexpected`; tests assert it stays empty.
 */

export const TEST_SECRET_KEY = "sk_test_parley_local";
export const TEST_WEBHOOK_SECRET = "whsec_parley_local_test_secret";

type Json = Record<string, unknown>;

export type StripeIntent = {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  status: "requires_payment_method" | "processing" | "succeeded" | "canceled";
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error: { code: string; decline_code?: string; message: string; type: "card_error" } | null;
  latest_charge: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  automatic_payment_methods: { enabled: boolean } | null;
  capture_method: "automatic";
  confirmation_method: "automatic";
  created: number;
  livemode: false;
  payment_method_types: string[];
};

export type StripeRefund = {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string | null;
  status: "succeeded";
  metadata: Record<string, string>;
  created: number;
};

export type StripeEvent = { id: string; object: "event"; type: string; data: { object: unknown } } & Json;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding (`metadata[itemId]=…`) back into nested objects. */
export function parseForm(body: string): Json {
  const result: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, "").split("[");
    let node = result;
    for (const part of path.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Json;
    }
    node[path.at(-1) ?? key] = value;
  }
  return result;
}

export class LocalStripe {
  readonly intents = new Map<string, StripeIntent>();
  readonly refunds: StripeRefund[] = [];
  /** Every request, as `METHOD /path`. */
  readonly requests: string[] = [];
  /** Requests this server does not implement: a test should fail if any arrive. */
  readonly unexpected: string[] = [];
  readonly #idempotent = new Map<string, { status: number; body: Json }>();
  /** The `Idempotency-Key` of every refund request, in order (a retry repeats its key). */
  readonly refundKeys: string[] = [];
  /** How many of the next refund requests fail as an outage would (500, not remembered by the key). */
  failRefunds = 0;
  /** Called on every new PaymentIntent, e.g. to have the buyer pay at once while the webhook is late. */
  onCreate: ((intent: StripeIntent) => void) | null = null;
  #server: Server | null = null;
  url = "";

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** The environment that points a Parley server here. */
  env(): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: TEST_SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: "pk_test_parley_local",
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE: this.url,
    };
  }

  intentFor(paymentId: string): StripeIntent {
    const intent = [...this.intents.values()].find((candidate) => candidate.metadata.paymentId === paymentId);
    if (!intent) throw new Error(`no PaymentIntent for payment ${paymentId}`);
    return intent;
  }

  /** The buyer's card went through (Stripe.js confirmed it): returns the event Stripe would send. */
  succeed(intentId: string): StripeEvent {
    const intent = this.#intent(intentId);
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    intent.latest_charge = id("ch");
    return this.event("payment_intent.succeeded", intent);
  }

  /** The card was declined: the intent returns to `requires_payment_method` with the error attached. */
  decline(intentId: string, declineCode = "generic_decline"): StripeEvent {
    const intent = this.#intent(intentId);
    intent.status = "requires_payment_method";
    intent.last_payment_error = {
      code: "card_declined",
      decline_code: declineCode,
      message: "Your card was declined.",
      type: "card_error",
    };
    return this.event("payment_intent.payment_failed", intent);
  }

  event(type: string, object: unknown): StripeEvent {
    return {
      id: id("evt"),
      object: "event",
      api_version: "2026-01-28.clover",
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object) },
    };
  }

  /** Delivers an event to Parley's webhook as Stripe does, signed with the SDK's own test helper. */
  async deliver(
    appUrl: string,
    event: StripeEvent,
    options: { timestamp?: number; secret?: string } = {},
  ): Promise<{ status: number; body: Json }> {
    const payload = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? TEST_WEBHOOK_SECRET,
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    });
    const response = await fetch(`${appUrl}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature },
      body: payload,
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  #intent(intentId: string): StripeIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new Error(`no PaymentIntent ${intentId}`);
    return intent;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    this.requests.push(`${method} ${path}`);

    const send = (status: number, body: Json) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": id("req") });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string) =>
      send(status, { error: { type: "invalid_request_error", code, message } });

    if (req.headers.authorization !== `Bearer ${TEST_SECRET_KEY}`) {
      return error(401, "api_key_invalid", "Invalid API Key provided");
    }
    // Stripe answers a repeated idempotency key with the first response.
    const key = req.headers["idempotency-key"];
    const idempotencyKey = typeof key === "string" && method === "POST" ? `${path} ${key}` : null;
    const earlier = idempotencyKey ? this.#idempotent.get(idempotencyKey) : undefined;
    if (earlier) return send(earlier.status, earlier.body);
    const reply = (status: number, body: Json) => {
      if (idempotencyKey && status < 500) this.#idempotent.set(idempotencyKey, { status, body });
      send(status, body);
    };

    const params = parseForm(raw);
    const intentPath = /^\/v1\/payment_intents\/(\w+)$/.exec(path);
    const cancelPath = /^\/v1\/payment_intents\/(\w+)\/cancel$/.exec(path);
    if (method === "POST" && path === "/v1/payment_intents") {
      const intentId = id("pi");
      const intent: StripeIntent = {
        id: intentId,
        object: "payment_intent",
        amount: Number(params.amount),
        amount_received: 0,
        currency: String(params.currency),
        status: "requires_payment_method",
        client_secret: `${intentId}_secret_${randomBytes(8).toString("hex")}`,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        last_payment_error: null,
        latest_charge: null,
        canceled_at: null,
        cancellation_reason: null,
        automatic_payment_methods: params.automatic_payment_methods ? { enabled: true } : null,
        capture_method: "automatic",
        confirmation_method: "automatic",
        created: now(),
        livemode: false,
        payment_method_types: ["card"],
      };
      if (!Number.isInteger(intent.amount) || intent.amount <= 0 || !intent.currency) {
        return reply(400, {
          error: { type: "invalid_request_error", message: "Missing amount or currency" },
        });
      }
      this.intents.set(intentId, intent);
      const created = { ...intent };
      this.onCreate?.(intent);
      return reply(200, created);
    }
    if (method === "GET" && intentPath) {
      const intent = this.intents.get(intentPath[1] ?? "");
      return intent ? send(200, { ...intent }) : error(404, "resource_missing", "No such payment_intent");
    }
    if (method === "POST" && cancelPath) {
      const intent = this.intents.get(cancelPath[1] ?? "");
      if (!intent) return error(404, "resource_missing", "No such payment_intent");
      if (intent.status === "succeeded" || intent.status === "canceled") {
        return reply(400, {
          error: {
            type: "invalid_request_error",
            code: "payment_intent_unexpected_state",
            message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
          },
        });
      }
      intent.status = "canceled";
      intent.canceled_at = now();
      intent.cancellation_reason =
        typeof params.cancellation_reason === "string" ? params.cancellation_reason : null;
      return reply(200, { ...intent });
    }
    if (method === "POST" && path === "/v1/refunds") {
      this.refundKeys.push(typeof key === "string" ? key : "");
      if (this.failRefunds > 0) {
        this.failRefunds -= 1;
        return error(500, "api_error", "Something went wrong on Stripe's end.");
      }
      const intent = this.intents.get(String(params.payment_intent));
      if (!intent) return error(404, "resource_missing", "No such payment_intent");
      if (intent.status !== "succeeded") {
        return error(400, "charge_not_refundable", "This PaymentIntent has no successful charge to refund.");
      }
      // Part of the charge when `amount` is given; never more than is left of it.
      const refunded = this.refunds
        .filter((refund) => refund.payment_intent === intent.id)
        .reduce((sum, refund) => sum + refund.amount, 0);
      const amount = params.amount === undefined ? intent.amount - refunded : Number(params.amount);
      if (!Number.isInteger(amount) || amount <= 0 || refunded + amount > intent.amount) {
        return reply(400, {
          error: {
            type: "invalid_request_error",
            code: "amount_too_large",
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${intent.amount - refunded}).`,
          },
        });
      }
      const refund: StripeRefund = {
        id: id("re"),
        object: "refund",
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        charge: intent.latest_charge,
        status: "succeeded",
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        created: now(),
      };
      this.refunds.push(refund);
      return reply(200, { ...refund });
    }
    this.unexpected.push(`${method} ${path}`);
    return error(404, "resource_missing", `Unrecognized request URL (${method}: ${path})`);
  }
}
