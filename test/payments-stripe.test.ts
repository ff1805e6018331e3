import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../shared/deals.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { cancel, checkout, confirm, itemOf, paymentEvents, paymentOf } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, collect, connect, eventually, requestOk } from "./helpers/sockets.js";
import { LocalStripe } from "./helpers/stripe-server.js";

let stripe: LocalStripe;
let server: TestServer;
let seller: Session;
let buyer: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  stripe = await new LocalStripe().start();
  server = await startServer({ env: stripe.env() });
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterEach(() => {
  // Every call the gateway made must be one the local Stripe knows.
  expect(stripe.unexpected).toEqual([]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
  await stripe?.stop();
});

/** An item checked out by `buyer`, with its payment and PaymentIntent. */
async function reserved(price = { amount: 3100, currency: "usd" }) {
  const item = await listItem(server.url, seller, { price });
  const { status, body } = await checkout(server.url, buyer, item.id);
  expect(status).toBe(201);
  return { item, payment: body.payment, intent: stripe.intentFor(body.payment.id) };
}

const countRows = async (sql: string, params: unknown[]) =>
  (await server.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]?.n;

describe("Stripe checkout", () => {
  it("advertises Stripe and its publishable key", async () => {
    const { body } = await call(server.url, "GET", "/api/config");
    expect(body).toEqual({
      paymentProvider: "stripe",
      stripePublishableKey: "pk_test_parley_local",
      checkoutHoldSeconds: 900,
    });
  });

  it("opens one PaymentIntent for the item's price with the ids in metadata", async () => {
    const { item, payment, intent } = await reserved({ amount: 4999, currency: "gbp" });
    expect(payment).toMatchObject({
      provider: "stripe",
      status: "requires_payment",
      clientSecret: intent.client_secret,
    });
    expect(intent).toMatchObject({
      amount: 4999,
      currency: "gbp",
      metadata: { paymentId: payment.id, itemId: item.id, buyerId: buyer.user.id },
    });
    // Asking again returns the same payment and opens no second intent.
    const before = stripe.intents.size;
    const again = await checkout(server.url, buyer, item.id);
    expect(again.status).toBe(201);
    expect(again.body.payment.clientSecret).toBe(intent.client_secret);
    expect(stripe.intents.size).toBe(before);
  });

  it("does not take card numbers: Stripe.js confirms in the browser", async () => {
    const { payment } = await reserved();
    const refused = await confirm(server.url, buyer, payment.id);
    expect(refused.status).toBe(409);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("requires_payment");
  });
});

describe("Stripe payments the server opens by itself", () => {
  it("opens the PaymentIntent of an accepted offer after the accept commits; the buyer pays it with Stripe", async () => {
    const item = await listItem(server.url, seller, { price: { amount: 4000, currency: "usd" } });
    const offered = await call<{ deal: Deal }>(server.url, "POST", `/api/items/${item.id}/offers`, {
      token: buyer.token,
      body: { amount: { amount: 3000, currency: "usd" } },
    });
    expect(offered.status).toBe(201);
    const before = stripe.intents.size;
    const accepted = await call<{ deal: Deal }>(
      server.url,
      "POST",
      `/api/deals/${offered.body.deal.id}/transitions/accept`,
      { token: seller.token },
    );
    expect(accepted.status).toBe(200);
    const paymentId = accepted.body.deal.payment?.id ?? "";
    // The charge is opened once, right after the accept's commit; the buyer's deal carries its secret.
    await eventually(() => expect(stripe.intents.size).toBe(before + 1));
    const intent = stripe.intentFor(paymentId);
    expect(intent).toMatchObject({ amount: 3000, currency: "usd" });
    const { body } = await call<{ deal: Deal }>(server.url, "GET", `/api/deals/${offered.body.deal.id}`, {
      token: buyer.token,
    });
    expect(body.deal.payment?.clientSecret).toBe(intent.client_secret);
    expect((await paymentOf(server.url, buyer, paymentId)).clientSecret).toBe(intent.client_secret);
    expect(stripe.intents.size).toBe(before + 1);

    expect((await stripe.deliver(server.url, stripe.succeed(intent.id))).status).toBe(200);
    await eventually(async () => expect((await itemOf(server.url, item.id)).status).toBe("sold"));
  });

  it("opens the PaymentIntent of a won auction after the end commits; the winner pays it with Stripe", async () => {
    const item = await listItem(server.url, seller, {
      title: "Auctioned clock",
      price: { amount: 1000, currency: "usd" },
      sale: {
        kind: "auction",
        startingBid: { amount: 1000, currency: "usd" },
        endsAt: new Date(Date.now() + 2_000).toISOString(),
        softCloseSeconds: 0,
      } as never,
    });
    const bid = await call(server.url, "POST", `/api/items/${item.id}/bids`, {
      token: buyer.token,
      body: { maxAmount: { amount: 2500, currency: "usd" }, clientBidId: `bid-${item.id}` },
    });
    expect(bid.status).toBe(201);
    const before = stripe.intents.size;
    const wonDeal = async () =>
      (
        await call<{ deals: Deal[] }>(server.url, "GET", "/api/deals?limit=100", { token: buyer.token })
      ).body.deals.find((deal) => deal.itemId === item.id);
    // The end is the engine's timer; the charge opens once, right after it commits, at the winning price
    // (the only bidder wins at the starting bid).
    await eventually(async () => expect((await wonDeal())?.state).toBe("won"), 10_000);
    await eventually(() => expect(stripe.intents.size).toBe(before + 1));
    const paymentId = (await wonDeal())?.payment?.id ?? "";
    const intent = stripe.intentFor(paymentId);
    expect(intent).toMatchObject({ amount: 1000, currency: "usd" });
    expect((await paymentOf(server.url, buyer, paymentId)).clientSecret).toBe(intent.client_secret);
    expect(stripe.intents.size).toBe(before + 1);

    expect((await stripe.deliver(server.url, stripe.succeed(intent.id))).status).toBe(200);
    await eventually(async () => expect((await itemOf(server.url, item.id)).status).toBe("sold"));
    expect((await wonDeal())?.state).toBe("paid");
  });
});

describe("Stripe webhooks", () => {
  it("sells on payment_intent.succeeded, and every socket in the room sees it", async () => {
    const { item, payment, intent } = await reserved();
    const socket = await connect(server.url, seller.token);
    sockets.push(socket);
    await requestOk(socket, "item:join", { itemId: item.id });
    const seen = collect(socket, "item:event");
    const changes = collect(socket, "items:changed");

    const delivered = await stripe.deliver(server.url, stripe.succeed(intent.id));
    expect(delivered.status).toBe(200);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("succeeded");
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
    await eventually(() =>
      expect(seen.map(({ event }) => event.body)).toEqual([
        {
          paymentId: payment.id,
          status: "succeeded",
          amount: { amount: 3100, currency: "usd" },
          buyer: { id: buyer.user.id, username: buyer.user.username },
          provider: "stripe",
        },
      ]),
    );
    await eventually(() => expect(changes.map((c) => c.item.status)).toContain("sold"));
  });

  it("records a decline with Stripe's decline code; the buyer retries and pays", async () => {
    const { item, payment, intent } = await reserved();
    expect((await stripe.deliver(server.url, stripe.decline(intent.id, "insufficient_funds"))).status).toBe(
      200,
    );
    expect(await paymentOf(server.url, buyer, payment.id)).toMatchObject({
      status: "failed",
      failureCode: "insufficient_funds",
    });
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
    expect((await stripe.deliver(server.url, stripe.decline(intent.id))).status).toBe(200);
    expect((await paymentOf(server.url, buyer, payment.id)).failureCode).toBe("card_declined");

    await stripe.deliver(server.url, stripe.succeed(intent.id));
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
    const events = await paymentEvents(server.url, buyer, item.id);
    expect(events.map((event) => [event.body.status, event.body.failureCode])).toEqual([
      ["failed", "insufficient_funds"],
      ["failed", "card_declined"],
      ["succeeded", undefined],
    ]);
  });

  it("handles the same event delivered three times (at once) exactly once", async () => {
    const { item, payment, intent } = await reserved();
    const event = stripe.succeed(intent.id);
    const responses = await Promise.all([1, 2, 3].map(() => stripe.deliver(server.url, event)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(responses.map((response) => response.body.outcome).sort()).toEqual([
      "duplicate",
      "duplicate",
      "handled",
    ]);
    expect((await stripe.deliver(server.url, event)).body.outcome).toBe("duplicate");
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("succeeded");
    expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual([
      "succeeded",
    ]);
    expect(await countRows("processed_webhook_events where event_id = $1", [event.id])).toBe(1);
  });

  it("ignores a failure that arrives after the success", async () => {
    const { item, payment, intent } = await reserved();
    const failed = stripe.decline(intent.id);
    const succeeded = stripe.succeed(intent.id);
    expect((await stripe.deliver(server.url, succeeded)).status).toBe(200);
    expect((await stripe.deliver(server.url, failed)).status).toBe(200);
    expect(await paymentOf(server.url, buyer, payment.id)).toMatchObject({
      status: "succeeded",
      failureCode: null,
    });
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
    expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual([
      "succeeded",
    ]);
  });

  it("believes the PaymentIntent over a stale failure that arrives first", async () => {
    const { item, payment, intent } = await reserved();
    const failed = stripe.decline(intent.id);
    stripe.succeed(intent.id); // Stripe's success event is still on its way.
    expect((await stripe.deliver(server.url, failed)).status).toBe(200);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("succeeded");
    expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual([
      "succeeded",
    ]);
  });

  it("refuses a bad signature, a stale timestamp and a missing one with 400, changing nothing", async () => {
    const { item, payment, intent } = await reserved();
    const event = stripe.succeed(intent.id);
    const forged = await stripe.deliver(server.url, event, { secret: "whsec_not_the_right_one" });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: "bad_request" } });
    const stale = await stripe.deliver(server.url, event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(400);
    const unsigned = await call(server.url, "POST", "/api/webhooks/stripe", {
      rawBody: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(400);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("requires_payment");
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
    expect(await countRows("processed_webhook_events where event_id = $1", [event.id])).toBe(0);
  });

  it("answers 200 to an unknown event type and changes nothing", async () => {
    const { item, payment, intent } = await reserved();
    const lastSeq = (await itemOf(server.url, item.id)).lastSeq;
    const unknown = stripe.event("customer.created", { id: "cus_123", object: "customer" });
    const looksLikeOurs = stripe.event("payment_intent.amount_capturable_updated", intent);
    for (const event of [unknown, looksLikeOurs]) {
      const response = await stripe.deliver(server.url, event);
      expect(response.status).toBe(200);
      expect(response.body.outcome).toBe("ignored");
    }
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("requires_payment");
    expect(await itemOf(server.url, item.id)).toMatchObject({ status: "reserved", lastSeq });
  });

  it("releases the hold when Stripe cancels the intent", async () => {
    const { item, payment, intent } = await reserved();
    await stripe.deliver(
      server.url,
      stripe.event("payment_intent.canceled", { ...intent, status: "canceled" }),
    );
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("canceled");
    expect((await itemOf(server.url, item.id)).status).toBe("available");
  });

  it("cancels the PaymentIntent when the buyer cancels", async () => {
    const { item, payment, intent } = await reserved();
    expect((await cancel(server.url, buyer, payment.id)).body.payment.status).toBe("canceled");
    expect(stripe.intents.get(intent.id)?.status).toBe("canceled");
    expect((await itemOf(server.url, item.id)).status).toBe("available");
  });

  /** The charge of a paid intent as Stripe's `charge.refunded` gives it, `amountRefunded` of it refunded. */
  const refundedCharge = (intent: { id: string; latest_charge?: string | null }, amountRefunded: number) => ({
    id: intent.latest_charge ?? "ch_missing",
    object: "charge",
    payment_intent: intent.id,
    refunded: true,
    amount_refunded: amountRefunded,
    refunds: { object: "list", data: [{ id: "re_dashboard", object: "refund" }] },
  });
  const dealOf = async (paymentId: string) =>
    (
      await server.db.query<{ id: string; state: string }>(
        "select id, state from deals where payment_id = $1",
        [paymentId],
      )
    )[0]!;

  it("records a refund made in the Stripe dashboard once, and ends the order refunded", async () => {
    const { item, payment, intent } = await reserved();
    await stripe.deliver(server.url, stripe.succeed(intent.id));
    const charge = refundedCharge(intent, intent.amount);
    await stripe.deliver(server.url, stripe.event("charge.refunded", charge));
    await stripe.deliver(server.url, stripe.event("charge.refunded", charge));
    expect(await paymentOf(server.url, buyer, payment.id)).toMatchObject({
      status: "refunded",
      refunded: { amount: 3100, currency: "usd" },
    });
    expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual([
      "succeeded",
      "refunded",
    ]);
    const deal = await dealOf(payment.id);
    expect(deal.state).toBe("refunded");
    const thread = await call<{ events: { type: string; body: { transition?: string; by?: string } }[] }>(
      server.url,
      "GET",
      `/api/deals/${deal.id}/events`,
      { token: buyer.token },
    );
    expect(
      thread.body.events.filter((e) => e.type === "custom:deal").map((e) => [e.body.transition, e.body.by]),
    ).toEqual([
      ["checkout", "buyer"],
      ["pay", "system"],
      ["processor-refund", "system"],
    ]);
    // Parley made no refund of its own: the money went back once.
    expect(stripe.refunds.filter((refund) => refund.payment_intent === intent.id)).toEqual([]);
  });

  it("records a partial refund made in the Stripe dashboard at its amount: the seller keeps the rest", async () => {
    const shop = await signUp(server.url, "seller");
    const item = await listItem(server.url, shop, { price: { amount: 3100, currency: "usd" } });
    const { body } = await checkout(server.url, buyer, item.id);
    const intent = stripe.intentFor(body.payment.id);
    await stripe.deliver(server.url, stripe.succeed(intent.id));
    await stripe.deliver(server.url, stripe.event("charge.refunded", refundedCharge(intent, 1000)));
    expect((await paymentOf(server.url, buyer, body.payment.id)).refunded).toEqual({
      amount: 1000,
      currency: "usd",
    });
    expect((await paymentEvents(server.url, buyer, item.id)).at(-1)?.body.amount).toEqual({
      amount: 1000,
      currency: "usd",
    });
    expect((await dealOf(body.payment.id)).state).toBe("refunded");
    const balance = await call<{ balance: { pending: unknown[]; available: unknown[] } }>(
      server.url,
      "GET",
      "/api/me/balance",
      { token: shop.token },
    );
    expect(balance.body.balance).toEqual({ pending: [], available: [{ amount: 2100, currency: "usd" }] });
  });

  it("records a dashboard refund of a completed order on the payment, and leaves the order completed", async () => {
    const { payment, intent } = await reserved();
    await stripe.deliver(server.url, stripe.succeed(intent.id));
    const deal = await dealOf(payment.id);
    const received = await call(server.url, "POST", `/api/deals/${deal.id}/transitions/confirm-received`, {
      token: buyer.token,
    });
    expect(received.status).toBe(200);
    const refunded = await stripe.deliver(
      server.url,
      stripe.event("charge.refunded", refundedCharge(intent, 500)),
    );
    expect(refunded.status).toBe(200);
    expect((await paymentOf(server.url, buyer, payment.id)).refunded).toEqual({
      amount: 500,
      currency: "usd",
    });
    expect((await dealOf(payment.id)).state).toBe("completed");
  });

  it("refunds a success for an item that can no longer be sold to this buyer", async () => {
    const { item, payment, intent } = await reserved();
    // A moderator removed the item while the buyer was paying.
    await server.db.query("update items set status = 'removed' where id = $1", [item.id]);
    const event = stripe.succeed(intent.id);
    expect((await stripe.deliver(server.url, event)).status).toBe(200);
    await stripe.deliver(server.url, event);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("refunded");
    expect(stripe.refunds.filter((refund) => refund.payment_intent === intent.id)).toHaveLength(1);
    expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual(["refunded"]);
    expect((await itemOf(server.url, item.id)).status).toBe("removed");
    const [row] = await server.db.query<{ refund_ref: string | null }>(
      "select refund_ref from payments where id = $1",
      [payment.id],
    );
    expect(row?.refund_ref).toMatch(/^re_/);
  });
});

describe("Stripe refunds after a sale (fulfilment)", () => {
  /** A paid deal: reserved, then Stripe reports the success. */
  async function paidDeal() {
    const reservation = await reserved();
    await stripe.deliver(server.url, stripe.succeed(reservation.intent.id));
    const [row] = await server.db.query<{ deal_id: string }>("select deal_id from payments where id = $1", [
      reservation.payment.id,
    ]);
    return { ...reservation, dealId: row?.deal_id ?? "" };
  }
  const take = (session: Session, dealId: string, name: string, body: unknown) =>
    call<{ deal: Deal }>(server.url, "POST", `/api/deals/${dealId}/transitions/${name}`, {
      token: session.token,
      body,
    });
  const refundRefOf = async (paymentId: string) =>
    (
      await server.db.query<{ refund_ref: string | null }>("select refund_ref from payments where id = $1", [
        paymentId,
      ])
    )[0]?.refund_ref;

  it("refunds part of a disputed order through the SDK: one refund request, for that amount", async () => {
    const moderator = await createModerator(server);
    const { payment, intent, dealId } = await paidDeal();
    expect((await take(buyer, dealId, "dispute", { reason: "Scratched" })).status).toBe(200);
    const resolved = await take(moderator, dealId, "resolve", {
      outcome: "refund",
      amount: { amount: 1550, currency: "usd" },
    });
    expect(resolved.body.deal.payment).toMatchObject({
      status: "refunded",
      amount: { amount: 3100 },
      refunded: { amount: 1550, currency: "usd" },
    });
    await eventually(async () => expect(await refundRefOf(payment.id)).toMatch(/^re_/));
    const made = stripe.refunds.filter((refund) => refund.payment_intent === intent.id);
    expect(made.map((refund) => refund.amount)).toEqual([1550]);
    expect(stripe.refundKeys.filter((key) => key === `refund:${payment.id}`)).toHaveLength(1);
    expect(await refundRefOf(payment.id)).toBe(made[0]?.id);
    // Stripe's own report of that refund changes nothing more.
    const charge = {
      id: intent.latest_charge,
      object: "charge",
      payment_intent: intent.id,
      refunded: false,
      amount_refunded: 1550,
      refunds: { object: "list", data: [{ id: made[0]?.id, object: "refund" }] },
    };
    expect((await stripe.deliver(server.url, stripe.event("charge.refunded", charge))).status).toBe(200);
    expect(await paymentOf(server.url, buyer, payment.id)).toMatchObject({
      status: "refunded",
      refunded: { amount: 1550, currency: "usd" },
    });
  });

  it("retries a refund the processor failed, with the same key, until it is made: never lost, never twice", async () => {
    const { payment, intent, dealId } = await paidDeal();
    // The SDK tries three times (maxNetworkRetries 2): all fail, as if Stripe were down for a while.
    stripe.failRefunds = 3;
    expect((await take(seller, dealId, "cancel-order", { reason: "Sold out in the shop" })).status).toBe(200);
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("refunded");
    // The timer worker retries owed refunds (after a few seconds' grace) until Stripe makes it.
    await eventually(async () => expect(await refundRefOf(payment.id)).toMatch(/^re_/), 30_000);
    expect(stripe.failRefunds).toBe(0);
    const keys = stripe.refundKeys.filter((key) => key === `refund:${payment.id}`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(
      stripe.refunds.filter((refund) => refund.payment_intent === intent.id).map((r) => r.amount),
    ).toEqual([3100]);
  }, 40_000);
});
