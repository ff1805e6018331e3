import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Item, ItemPage } from "../shared/items.js";
import type { AuthResponse } from "../shared/users.js";
import { listItem, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { card, checkout, itemOf, paymentOf } from "./helpers/payments.js";
import { startServer, type TestServer, type TestServerOptions } from "./helpers/server.js";
import { type ClientSocket, connect, eventually, joinItem, request, sendMessage } from "./helpers/sockets.js";
import { LocalStripe } from "./helpers/stripe-server.js";

const servers: TestServer[] = [];
const sockets: ClientSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
/** One server for the tests that need no settings of their own: starting one costs seconds on a busy machine. */
let shared: TestServer;
beforeAll(async () => {
  shared = await startServer();
}, 90_000);
afterAll(async () => {
  await shared?.close();
});
async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

describe("Stripe webhooks that name a payment they are not for", { timeout: 90_000 }, () => {
  let stripe: LocalStripe;
  beforeAll(async () => {
    stripe = await new LocalStripe().start();
  });
  afterAll(async () => {
    await stripe?.stop();
  });

  it("ignores a succeeded intent whose id, amount or currency is not the payment's", async () => {
    const server = await start({ env: stripe.env() });
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller, { price: { amount: 50_000, currency: "usd" } });
    const { body } = await checkout(server.url, buyer, item.id);
    const payment = body.payment;
    const intent = stripe.intentFor(payment.id);

    const forgeries = [
      // A 1-cent intent of the attacker's, on the same account, naming the $500 payment.
      { ...intent, id: "pi_attacker_1cent", amount: 1, status: "succeeded" },
      { ...intent, id: "pi_attacker_full", status: "succeeded" },
      { ...intent, amount: 1, status: "succeeded" },
      { ...intent, currency: "eur", status: "succeeded" },
    ];
    for (const forged of forgeries) {
      const delivered = await stripe.deliver(server.url, stripe.event("payment_intent.succeeded", forged));
      expect(delivered.status).toBe(200);
      expect(delivered.body).toMatchObject({ outcome: "ignored" });
    }
    expect((await paymentOf(server.url, buyer, payment.id)).status).toBe("requires_payment");
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");

    // The real one still sells.
    const real = await stripe.deliver(server.url, stripe.succeed(intent.id));
    expect(real.body).toMatchObject({ outcome: "handled" });
    expect((await itemOf(server.url, item.id)).status).toBe("sold");
  });
});

describe("sign-in lockout", { timeout: 90_000 }, () => {
  it("locks an account only for the address that guesses: its owner signs in from another", async () => {
    const server = await start({ env: { RATE_LIMIT_SIGNIN_PER_ACCOUNT: "3", TRUST_PROXY: "loopback" } });
    const owner = await signUp(server.url, "buyer");
    const login = (password: string, address: string) =>
      call<AuthResponse>(server.url, "POST", "/api/auth/login", {
        body: { username: owner.user.username, password },
        headers: { "x-forwarded-for": address },
      });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await login("wrong password", "203.0.113.7")).status).toBe(401);
    }
    expect((await login("correct horse battery", "203.0.113.7")).status).toBe(429);
    expect((await login("correct horse battery", "198.51.100.20")).status).toBe(200);
  });
});

describe("suspended sellers", { timeout: 90_000 }, () => {
  it("hides a suspended seller's listings from the marketplace and refuses their checkouts until reinstated", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const moderator = await createModerator(server);
    const item = await listItem(server.url, seller, { title: "Suspicious lamp" });
    const listed = async () =>
      (await call<ItemPage>(server.url, "GET", "/api/items?limit=100")).body.items.map((i: Item) => i.id);
    expect(await listed()).toContain(item.id);

    const suspended = await call(server.url, "POST", `/api/moderation/users/${seller.user.id}/suspend`, {
      token: moderator.token,
      body: { reason: "fraud" },
    });
    expect(suspended.status).toBe(200);
    expect(await listed()).not.toContain(item.id);
    const refused = await checkout(server.url, buyer, item.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "seller_suspended" } });
    expect((await itemOf(server.url, item.id)).status).toBe("available");

    await call(server.url, "POST", `/api/moderation/users/${seller.user.id}/reinstate`, {
      token: moderator.token,
      body: { reason: "cleared" },
    });
    expect(await listed()).toContain(item.id);
    expect((await checkout(server.url, buyer, item.id)).status).toBe(201);
  });
});

describe("sessions", { timeout: 90_000 }, () => {
  it("disconnects a socket when its token expires", async () => {
    const server = shared;
    const buyer = await signUp(server.url, "buyer");
    const token = jwt.sign({ role: "buyer", tv: 0 }, server.jwtSecret, {
      algorithm: "HS256",
      subject: buyer.user.id,
      issuer: "parley",
      audience: "parley-api",
      expiresIn: 2,
    });
    const socket = await connect(server.url, token);
    sockets.push(socket);
    const started = performance.now();
    await eventually(() => expect(socket.connected).toBe(false), 5_000);
    expect(performance.now() - started).toBeGreaterThan(1_000);
    // And the expired token opens nothing new.
    await expect(connect(server.url, token)).rejects.toThrow("unauthorized");
  });

  it("answers a retry of a written message with its event even while over the message limit", async () => {
    const server = await start({ env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "2" } });
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller);
    const socket = await connect(server.url, seller.token);
    sockets.push(socket);
    await joinItem(socket, item.id);
    const clientMessageId = randomUUID();
    const first = await sendMessage(socket, item.id, "one", clientMessageId);
    await sendMessage(socket, item.id, "two");
    const over = await request(socket, "message:send", {
      itemId: item.id,
      text: "three",
      clientMessageId: randomUUID(),
    });
    expect(over).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    const retry = await request(socket, "message:send", { itemId: item.id, text: "one", clientMessageId });
    expect(retry).toEqual({ ok: true, data: { event: first.event } });
  });
});

describe("checkout edges", { timeout: 90_000 }, () => {
  it("refuses a checkout whose expectedPrice is not the price any more, and takes a matching one", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller, { price: { amount: 2500, currency: "usd" } });
    await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: { amount: 9900, currency: "usd" } },
    });
    const stale = await call(server.url, "POST", `/api/items/${item.id}/checkout`, {
      token: buyer.token,
      body: { expectedPrice: { amount: 2500, currency: "usd" } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      error: { code: "price_changed", details: { price: { amount: 9900, currency: "usd" } } },
    });
    expect((await itemOf(server.url, item.id)).status).toBe("available");
    const fresh = await call(server.url, "POST", `/api/items/${item.id}/checkout`, {
      token: buyer.token,
      body: { expectedPrice: { amount: 9900, currency: "usd" } },
    });
    expect(fresh.status).toBe(201);
  });

  it("the simulated processor refuses an expired card with expired_card", async () => {
    const server = shared;
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller);
    const { body } = await checkout(server.url, buyer, item.id);
    const lastYear = new Date().getUTCFullYear() - 1;
    const expired = await call<{ payment: { status: string; failureCode: string } }>(
      server.url,
      "POST",
      `/api/payments/${body.payment.id}/confirm`,
      { token: buyer.token, body: { card: { ...card("4242424242424242"), expYear: lastYear } } },
    );
    expect(expired.body.payment).toMatchObject({ status: "failed", failureCode: "expired_card" });
    const good = await call<{ payment: { status: string } }>(
      server.url,
      "POST",
      `/api/payments/${body.payment.id}/confirm`,
      { token: buyer.token, body: { card: card("4242424242424242") } },
    );
    expect(good.body.payment.status).toBe("succeeded");
  });
});
