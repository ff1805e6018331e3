import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Db } from "../server/db/db.js";
import { openPglite } from "../server/db/pglite.js";
import { openPostgres } from "../server/db/postgres.js";
import { listItem, type Session, signUp } from "./factories.js";
import { CARDS, checkout, confirm, itemOf, paymentEvents, paymentOf } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, collect, connect, eventually, subscribeItems } from "./helpers/sockets.js";
import { LocalStripe } from "./helpers/stripe-server.js";

const running: TestServer[] = [];
const sockets: ClientSocket[] = [];
const owned: { db: Db; schema: string | undefined }[] = [];

/** A database that outlives the servers using it, as across a restart; dropped after the tests. */
async function sharedDb(): Promise<Db> {
  const url = process.env.DATABASE_URL;
  const schema = url ? `t_${randomBytes(6).toString("hex")}` : undefined;
  const db = url ? await openPostgres(url, { schema, max: 5 }) : await openPglite(undefined);
  owned.push({ db, schema });
  return db;
}

async function start(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(options);
  running.push(server);
  return server;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const server of running.splice(0)) await server.close();
});
afterAll(async () => {
  for (const { db, schema } of owned) {
    if (schema) await db.query(`drop schema ${schema} cascade`).catch(() => {});
    await db.close();
  }
});

const holdStatus = async (db: Db, paymentId: string) =>
  (await db.query<{ status: string }>("select status from payments where id = $1", [paymentId]))[0]?.status;

describe("hold expiry", () => {
  it("releases the item when the hold runs out, and tells everyone", async () => {
    const server = await start({ env: { CHECKOUT_HOLD_SECONDS: "1" } });
    const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
    const item = await listItem(server.url, seller);
    const watcher = await connect(server.url, seller.token);
    sockets.push(watcher);
    await subscribeItems(watcher);
    const changes = collect(watcher, "items:changed");

    const { body } = await checkout(server.url, buyer, item.id);
    expect((await itemOf(server.url, item.id)).status).toBe("reserved");
    await eventually(
      async () => expect((await itemOf(server.url, item.id)).status).toBe("available"),
      10_000,
    );
    expect((await paymentOf(server.url, buyer, body.payment.id)).status).toBe("canceled");
    await eventually(() =>
      expect(changes.filter((c) => c.item.id === item.id).map((c) => c.item.status)).toEqual([
        "reserved",
        "available",
      ]),
    );
    // Too late to pay; another buyer can now check out.
    const late = await confirm(server.url, buyer, body.payment.id, CARDS.succeeds);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: "payment_not_open" } });
    expect((await checkout(server.url, await signUp(server.url, "buyer"), item.id)).status).toBe(201);
    expect(await paymentEvents(server.url, buyer, item.id)).toEqual([]);
  });

  it("releases a hold that ran out while the server was down, at start-up", async () => {
    const db = await sharedDb();
    const first = await start({ db });
    const [seller, buyer] = await Promise.all([signUp(first.url, "seller"), signUp(first.url, "buyer")]);
    const item = await listItem(first.url, seller);
    const { body } = await checkout(first.url, buyer, item.id);
    await first.close();
    running.splice(running.indexOf(first), 1);

    // The hold runs out while no server is up.
    await db.query("update payments set expires_at = now() - interval '1 second' where id = $1", [
      body.payment.id,
    ]);
    // The hold's end is the deal's `expire` timer (v2: timers replace the sweeper).
    await db.query("update timers set fire_at = now() - interval '1 second' where deal_id = $1", [
      body.deal.id,
    ]);
    expect(await holdStatus(db, body.payment.id)).toBe("requires_payment");
    // The worker ticks every second: seeing the release within a few proves the start-up tick fired it.
    const second = await start({ db });
    await eventually(async () => expect((await itemOf(second.url, item.id)).status).toBe("available"), 3_000);
    expect(await holdStatus(db, body.payment.id)).toBe("canceled");
  });

  it("releases each hold once with several servers sweeping one database", async () => {
    const db = await sharedDb();
    const env = { CHECKOUT_HOLD_SECONDS: "1", JWT_SECRET: randomBytes(32).toString("hex") };
    const servers = await Promise.all([1, 2, 3].map(() => start({ db, env })));
    const url = servers[0]!.url;
    const seller = await signUp(url, "seller");
    // Without Redis each server tells only its own sockets: together they must hear each release once.
    const watchers = await Promise.all(servers.map((server) => connect(server.url, seller.token)));
    sockets.push(...watchers);
    await Promise.all(watchers.map(subscribeItems));
    const changes = watchers.map((socket) => collect(socket, "items:changed"));
    const buyers: Session[] = await Promise.all([1, 2, 3, 4].map(() => signUp(url, "buyer")));
    const items = await Promise.all(buyers.map(() => listItem(url, seller)));
    const payments = await Promise.all(
      buyers.map(async (buyer, index) => (await checkout(url, buyer, items[index]!.id)).body.payment),
    );
    await eventually(async () => {
      for (const payment of payments) expect(await holdStatus(db, payment.id)).toBe("canceled");
    }, 10_000);
    for (const item of items) {
      expect((await itemOf(url, item.id)).status).toBe("available");
      // "available" twice: when the item was listed, and when its hold was released (once, by one server).
      await eventually(() =>
        expect(
          changes
            .flat()
            .filter((change) => change.item.id === item.id)
            .map((change) => change.item.status)
            .sort(),
        ).toEqual(["available", "available", "reserved"]),
      );
    }
  });

  it("refunds a payment that succeeds at Stripe just as its hold is released", async () => {
    const stripe = await new LocalStripe().start();
    try {
      const server = await start({ env: { ...stripe.env(), CHECKOUT_HOLD_SECONDS: "1" } });
      const [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
      const item = await listItem(server.url, seller);
      // The buyer pays at Stripe at once, but the webhook is late: the sweeper releases the hold first,
      // cannot cancel the intent, re-reads it, and refunds.
      stripe.onCreate = (intent) => stripe.succeed(intent.id);
      const { body } = await checkout(server.url, buyer, item.id);
      stripe.onCreate = null;
      const intent = stripe.intentFor(body.payment.id);
      const lateEvent = stripe.event("payment_intent.succeeded", intent);
      await eventually(
        async () => expect((await paymentOf(server.url, buyer, body.payment.id)).status).toBe("refunded"),
        10_000,
      );
      // The refund is asked of Stripe after the commit that marks the payment refunded.
      await eventually(() =>
        expect(stripe.refunds.map((refund) => refund.payment_intent)).toEqual([intent.id]),
      );
      expect((await itemOf(server.url, item.id)).status).toBe("available");

      // The webhook finally arrives: nothing more happens.
      expect((await stripe.deliver(server.url, lateEvent)).status).toBe(200);
      expect(stripe.refunds).toHaveLength(1);
      expect((await paymentEvents(server.url, buyer, item.id)).map((e) => e.body.status)).toEqual([
        "refunded",
      ]);

      // Another buyer takes the item; the first buyer's late success cannot touch their sale.
      const other = await signUp(server.url, "buyer");
      const next = await checkout(server.url, other, item.id);
      await stripe.deliver(server.url, stripe.succeed(stripe.intentFor(next.body.payment.id).id));
      expect((await itemOf(server.url, item.id)).status).toBe("sold");
      expect(
        (await paymentEvents(server.url, buyer, item.id)).map((e) => [e.body.status, e.body.buyer]),
      ).toEqual([
        ["refunded", { id: buyer.user.id, username: buyer.user.username }],
        ["succeeded", { id: other.user.id, username: other.user.username }],
      ]);
      expect(stripe.unexpected).toEqual([]);
    } finally {
      await stripe.stop();
    }
  });
});
