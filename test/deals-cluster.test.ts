import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../shared/deals.js";
import { bodyOf, type DealEvent } from "../shared/events.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { checkout, confirm, itemOf } from "./helpers/payments.js";
import {
  type Cluster,
  type ServerProcess,
  startCluster,
  stopCluster,
  type TestDatabase,
} from "./helpers/processes.js";
import { collect, eventually, requestOk } from "./helpers/sockets.js";

// Two real server processes on one PostgreSQL database and one Redis, with one-second checkout holds:
// both run the timer worker, so every expiry is raced for.
let cluster: Cluster;
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startCluster({ CHECKOUT_HOLD_SECONDS: "1" });
  ({ database, a, b } = cluster);
});
afterAll(() => stopCluster(cluster));

const socketOn = (server: ServerProcess, session: Session) => cluster.socketOn(server, session);

const threadOf = async (session: Session, dealId: string) =>
  (
    await call<{ events: DealEvent[] }>(a.url, "GET", `/api/deals/${dealId}/events`, {
      token: session.token,
    })
  ).body.events;

describe("deals on two server processes", () => {
  it("fires each hold's expiry exactly once, whichever process's worker gets there", async () => {
    const seller = await signUp(a.url, "seller");
    const buyers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => signUp(a.url, "buyer")));
    const items = await Promise.all(buyers.map(() => listItem(a.url, seller)));
    const watchers = await Promise.all([socketOn(a, seller), socketOn(b, seller)]);
    const changes = watchers.map((socket) => collect(socket, "deal:changed"));
    const deals = await Promise.all(
      buyers.map(async (buyer, i) => (await checkout(i % 2 ? b.url : a.url, buyer, items[i]!.id)).body.deal),
    );
    for (const [i, deal] of deals.entries()) {
      await eventually(
        async () => expect((await itemOf(b.url, items[i]!.id)).status).toBe("available"),
        10_000,
      );
      const expiries = (await threadOf(buyers[i]!, deal.id)).filter(
        (event) => bodyOf(event, "custom:deal")?.transition === "expire",
      );
      expect(expiries).toHaveLength(1);
    }
    const rows = await database.query<{ fired: number; canceled: number }>(
      `select count(*) filter (where fired_at is not null)::int as fired,
              count(*) filter (where canceled_at is not null)::int as canceled
       from timers where deal_id = any($1::uuid[])`,
      [deals.map((deal) => deal.id)],
    );
    expect(rows[0]).toEqual({ fired: deals.length, canceled: 0 });
    // The seller has a socket on each process: each hears every transition of every deal once.
    for (const received of changes) {
      await eventually(() => {
        for (const deal of deals) {
          expect(
            received.filter((payload) => payload.deal.id === deal.id).map((payload) => payload.deal.state),
          ).toEqual(["reserved", "expired"]);
        }
      });
    }
    // Outbox positions: one per transition, no gaps, none twice.
    const positions = await database.query<{ position: string }>(
      "select position from outbox where position is not null order by position",
    );
    expect(positions.map((row) => Number(row.position))).toEqual(positions.map((_, i) => i + 1));
  });

  // Thirty sign-ups (argon2id hashes) and thirty checkouts on two processes: long on a busy machine.
  it("sells exactly three units when 30 buyers race for an item of quantity 3 across the processes, and the thread reaches both parties live", async () => {
    const seller = await signUp(a.url, "seller");
    const item = await listItem(a.url, seller, { quantity: 3 });
    const racers = await Promise.all(Array.from({ length: 30 }, () => signUp(a.url, "buyer")));
    // Each buyer checks out and pays at once, on either process; a refused one tries again while the item
    // is not sold out (a hold of one second may run out under load, freeing its unit to someone else).
    const outcomes = await Promise.all(
      racers.map(async (buyer, i) => {
        const url = i % 2 ? b.url : a.url;
        const refusals: string[] = [];
        for (let attempt = 0; attempt < 20; attempt += 1) {
          const held = await checkout(url, buyer, item.id);
          if (held.status === 201) {
            if ((await confirm(url, buyer, held.body.payment.id)).status === 200) {
              return { buyer, deal: held.body.deal, refusals };
            }
          } else {
            refusals.push((held.body as unknown as { error: { code: string } }).error.code);
            if ((await itemOf(url, item.id)).status === "sold") return { buyer, deal: null, refusals };
          }
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
        }
        return { buyer, deal: null, refusals };
      }),
    );
    const winners = outcomes.filter((outcome) => outcome.deal !== null);
    expect(winners).toHaveLength(3);
    // Refused for a reason the contract names, never an error.
    for (const code of new Set(outcomes.flatMap((outcome) => outcome.refusals))) {
      expect(["item_reserved", "item_sold", "not_available"]).toContain(code);
    }
    expect(await itemOf(b.url, item.id)).toMatchObject({ status: "sold", quantityAvailable: 0 });
    const paid = await database.query<{ n: number; units: number }>(
      "select count(*)::int as n, sum(quantity)::int as units from deals where item_id = $1 and state = 'paid'",
      [item.id],
    );
    expect(paid[0]).toEqual({ n: 3, units: 3 });
    const succeeded = await database.query<{ n: number }>(
      "select count(*)::int as n from payments where item_id = $1 and status = 'succeeded'",
      [item.id],
    );
    expect(succeeded[0]?.n).toBe(3);
    const winner = winners[0]!.buyer;
    const deal: Deal = winners[0]!.deal!;

    // Buyer on one process, seller on the other, in the deal's thread: one history, then live.
    const buyerSocket = await socketOn(a, winner);
    const sellerSocket = await socketOn(b, seller);
    const joined = await requestOk<{ deal: Deal; events: DealEvent[] }>(buyerSocket, "deal:join", {
      dealId: deal.id,
    });
    expect(joined.deal.state).toBe("paid");
    expect(joined.events.map((event) => bodyOf(event, "custom:deal")?.transition ?? event.type)).toEqual([
      "checkout",
      "custom:payment",
      "pay",
    ]);
    await requestOk(sellerSocket, "deal:join", { dealId: deal.id, afterSeq: 3 });
    const heard = [collect(buyerSocket, "deal:event"), collect(sellerSocket, "deal:event")];
    await requestOk(sellerSocket, "message:send", {
      dealId: deal.id,
      text: "Thanks!",
      clientMessageId: newClientMessageId(),
    });
    await requestOk(buyerSocket, "message:send", {
      dealId: deal.id,
      text: "Thank you",
      clientMessageId: newClientMessageId(),
    });
    for (const received of heard) {
      await eventually(() => expect(received.map(({ event }) => event.seq)).toEqual([4, 5]));
    }
  }, 90_000);
});
