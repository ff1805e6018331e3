import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BalanceResponse } from "../shared/balance.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { buyAndPay, completeDeal, takeTransition } from "./helpers/orders.js";
import { startServer, type TestServer } from "./helpers/server.js";

// 2.5%: fees with a fraction of a cent show the rounding (down, to the seller's benefit).
const FEE_BPS = 250;

let server: TestServer;
let moderator: Session;

beforeAll(async () => {
  server = await startServer({ env: { MARKETPLACE_FEE_BPS: String(FEE_BPS) } });
  moderator = await createModerator(server);
});
afterAll(async () => {
  await server?.close();
});

const balanceOf = async (session: Session) => {
  const { status, body } = await call<BalanceResponse>(server.url, "GET", "/api/me/balance", {
    token: session.token,
  });
  expect(status).toBe(200);
  return body;
};

/** An item of 999 cents a unit, 3 units, with a 450-cent courier option. */
const listShippedItem = (seller: Session) =>
  listItem(server.url, seller, {
    price: { amount: 999, currency: "usd" },
    quantity: 3,
    shippingOptions: [{ id: "courier", name: "Courier", cost: { amount: 450, currency: "usd" } }],
  });

describe("totals and the fee", () => {
  it("prices units × unit price + shipping on the server, and a paid deal is pending for the seller less the fee", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listShippedItem(seller);
    const deal = await buyAndPay(server.url, buyer, item.id, { quantity: 3, shippingOptionId: "courier" });
    // 3 × 999 + 450 = 3447; the fee is 2.5% of 3447 = 86.175, rounded down to 86.
    expect(deal).toMatchObject({ state: "paid", quantity: 3, total: { amount: 3447, currency: "usd" } });
    const { balance, entries } = await balanceOf(seller);
    expect(balance).toEqual({ pending: [{ amount: 3361, currency: "usd" }], available: [] });
    expect(entries).toEqual([
      expect.objectContaining({
        dealId: deal.id,
        item: { id: item.id, title: item.title },
        kind: "sale",
        bucket: "pending",
        amount: { amount: 3361, currency: "usd" },
        fee: { amount: 86, currency: "usd" },
      }),
    ]);
    // The buyer sells nothing: an empty balance.
    expect(await balanceOf(buyer)).toEqual({
      balance: { pending: [], available: [] },
      entries: [],
      nextCursor: null,
    });
  });

  it("keeps currencies apart", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const usd = await listItem(server.url, seller, { price: { amount: 1000, currency: "usd" } });
    const eur = await listItem(server.url, seller, { price: { amount: 2000, currency: "eur" } });
    await buyAndPay(server.url, buyer, usd.id);
    await buyAndPay(server.url, buyer, eur.id);
    expect((await balanceOf(seller)).balance.pending).toEqual([
      { amount: 1950, currency: "eur" },
      { amount: 975, currency: "usd" },
    ]);
  });

  it("is for signed-in users only", async () => {
    expect((await call(server.url, "GET", "/api/me/balance")).status).toBe(401);
  });
});

describe("the balance through the order", () => {
  it("moves pending to available when the deal completes", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listItem(server.url, seller, { price: { amount: 4000, currency: "usd" } });
    const deal = await buyAndPay(server.url, buyer, item.id);
    expect((await balanceOf(seller)).balance.pending).toEqual([{ amount: 3900, currency: "usd" }]);
    await completeDeal(server.url, buyer, deal.id);
    const { balance, entries } = await balanceOf(seller);
    expect(balance).toEqual({ pending: [], available: [{ amount: 3900, currency: "usd" }] });
    expect(entries.map((e) => [e.kind, e.bucket, e.amount.amount])).toEqual([
      ["release", "available", 3900],
      ["release", "pending", -3900],
      ["sale", "pending", 3900],
    ]);
  });

  it("reverses the whole sale when the seller cancels the order (a full refund)", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listShippedItem(seller);
    const deal = await buyAndPay(server.url, buyer, item.id, { shippingOptionId: "courier" });
    // 999 + 450 = 1449; fee 36.225 → 36.
    expect((await balanceOf(seller)).balance.pending).toEqual([{ amount: 1413, currency: "usd" }]);
    const canceled = await takeTransition(server.url, seller, deal.id, "cancel-order", {
      reason: "Out of stock",
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body.deal.state).toBe("refunded");
    const { balance, entries } = await balanceOf(seller);
    expect(balance).toEqual({ pending: [], available: [] });
    expect(entries[0]).toMatchObject({
      kind: "refund",
      bucket: "pending",
      amount: { amount: -1413 },
      fee: { amount: -36 },
    });
  });

  it("after a partial refund, reverses the refund and makes the rest available", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listItem(server.url, seller, { price: { amount: 10_000, currency: "usd" } });
    const deal = await buyAndPay(server.url, buyer, item.id);
    expect((await balanceOf(seller)).balance.pending).toEqual([{ amount: 9750, currency: "usd" }]);
    const disputed = await takeTransition(server.url, buyer, deal.id, "dispute", {
      reason: "It arrived scratched",
    });
    expect(disputed.status).toBe(200);
    const resolved = await takeTransition(server.url, moderator, deal.id, "resolve", {
      outcome: "refund",
      amount: { amount: 3000, currency: "usd" },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.deal.state).toBe("refunded");
    // The seller keeps 7000 of the total, less its fee (175): 6825 available; 9750 − 6825 = 2925 reversed.
    const { balance, entries } = await balanceOf(seller);
    expect(balance).toEqual({ pending: [], available: [{ amount: 6825, currency: "usd" }] });
    expect(entries.map((e) => [e.kind, e.bucket, e.amount.amount, e.fee.amount])).toEqual([
      ["release", "available", 6825, 0],
      ["release", "pending", -6825, 0],
      ["refund", "pending", -2925, -75],
      ["sale", "pending", 9750, 250],
    ]);
  });

  it("releases the whole sale when a moderator resolves a dispute for the seller", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listItem(server.url, seller, { price: { amount: 2000, currency: "gbp" } });
    const deal = await buyAndPay(server.url, buyer, item.id);
    await takeTransition(server.url, buyer, deal.id, "dispute", { reason: "Not as described" });
    const resolved = await takeTransition(server.url, moderator, deal.id, "resolve", { outcome: "release" });
    expect(resolved.body.deal.state).toBe("completed");
    expect((await balanceOf(seller)).balance).toEqual({
      pending: [],
      available: [{ amount: 1950, currency: "gbp" }],
    });
  });

  it("pages the entries newest first", async () => {
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    for (const amount of [100, 200, 300]) {
      const item = await listItem(server.url, seller, { price: { amount, currency: "usd" } });
      await buyAndPay(server.url, buyer, item.id);
    }
    const first = await call<BalanceResponse>(server.url, "GET", "/api/me/balance?limit=2", {
      token: seller.token,
    });
    expect(first.body.entries.map((e) => e.amount.amount)).toEqual([293, 195]);
    const second = await call<BalanceResponse>(
      server.url,
      "GET",
      `/api/me/balance?limit=2&cursor=${first.body.nextCursor}`,
      { token: seller.token },
    );
    expect(second.body.entries.map((e) => e.amount.amount)).toEqual([98]);
    expect(second.body.nextCursor).toBeNull();
    // The balance is the whole ledger's, whatever the page.
    expect(second.body.balance.pending).toEqual([{ amount: 586, currency: "usd" }]);
  });
});
