import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../shared/deals.js";
import { bodyOf, type ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import {
  type Cluster,
  type ServerProcess,
  startCluster,
  stopCluster,
  type TestDatabase,
} from "./helpers/processes.js";
import { eventually, joinItem } from "./helpers/sockets.js";

// Two real server processes on one PostgreSQL database and one Redis: both run the timer worker, so the
// close is raced for, and bids keep arriving on both through the last second.
let cluster: Cluster;
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startCluster();
  ({ database, a, b } = cluster);
});
afterAll(() => stopCluster(cluster));

const usd = (amount: number) => ({ amount, currency: "usd" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("auctions on two server processes", () => {
  it("ends exactly once, whichever process closes it, with bids arriving on both in the last second", async () => {
    const seller = await signUp(a.url, "seller");
    const bidders = await Promise.all([1, 2, 3, 4, 5, 6].map(() => signUp(a.url, "buyer")));
    const endsAt = Date.now() + 4_000;
    const item = await listItem(a.url, seller, {
      price: usd(1_000),
      sale: {
        kind: "auction",
        startingBid: usd(1_000),
        endsAt: new Date(endsAt).toISOString(),
        softCloseSeconds: 0,
      } as never,
    });
    const watchers = await Promise.all([cluster.socketOn(a, seller), cluster.socketOn(b, seller)]);
    const heard = watchers.map(() => [] as ItemEvent[]);
    for (const [i, socket] of watchers.entries()) {
      await joinItem(socket, item.id);
      socket.on("item:event", ({ event }) => heard[i]!.push(event));
    }

    // From a second before the end until half a second after it, every bidder outbids the last, on
    // alternating processes.
    await sleep(endsAt - Date.now() - 1_000);
    let round = 0;
    const outcomes: { status: number; code?: string }[] = [];
    const bid = async (bidder: Session, i: number) => {
      const amount = 2_000 + (round * bidders.length + i) * 1_000;
      const server = (round + i) % 2 ? b : a;
      const { status, body } = await call<{ error?: { code: string } }>(
        server.url,
        "POST",
        `/api/items/${item.id}/bids`,
        { token: bidder.token, body: { maxAmount: usd(amount), clientBidId: randomUUID() } },
      );
      outcomes.push({ status, ...(body.error ? { code: body.error.code } : {}) });
    };
    while (Date.now() < endsAt + 500) {
      await Promise.all(bidders.map((bidder, i) => bid(bidder, i)));
      round++;
    }
    expect(outcomes.filter((outcome) => outcome.status === 201).length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.code === "auction_not_live").length).toBeGreaterThan(0);
    for (const outcome of outcomes) {
      expect([201, "bid_too_low", "auction_not_live"]).toContain(outcome.status === 201 ? 201 : outcome.code);
    }

    const endedIn = (events: ItemEvent[]) =>
      events.flatMap((event) => {
        const body = bodyOf(event, "custom:auction");
        return body?.status === "ended" ? [{ seq: event.seq, body }] : [];
      });
    let history: ItemEvent[] = [];
    await eventually(async () => {
      history = (await call<{ events: ItemEvent[] }>(b.url, "GET", `/api/items/${item.id}/events?limit=200`))
        .body.events;
      expect(endedIn(history)).toHaveLength(1);
    }, 10_000);
    const [ended] = endedIn(history);
    // No bid counts after the end; the last price announced is the winning amount.
    const bids = history.filter((event) => event.type === "custom:bid");
    expect(bids.every((event) => event.seq < ended!.seq)).toBe(true);
    const last = bodyOf(bids.at(-1)!, "custom:bid")!;
    expect(ended!.body).toMatchObject({
      winner: { id: last.leaderId },
      amount: last.amount,
      reserveMet: true,
    });
    const { body } = await call<{ item: Item }>(a.url, "GET", `/api/items/${item.id}`);
    expect([body.item.status, body.item.auction?.status, body.item.auction?.currentPrice]).toEqual([
      "reserved",
      "ended",
      last.amount,
    ]);
    // One winner's deal, at the winning amount; the close timers fired once each.
    const deals = await database.query<{ buyer_id: string; state: string; total_amount: number }>(
      "select buyer_id, state, total_amount from deals where item_id = $1",
      [item.id],
    );
    expect(deals).toEqual([{ buyer_id: last.leaderId, state: "won", total_amount: last.amount.amount }]);
    const winner = bidders.find((bidder) => bidder.user.id === last.leaderId)!;
    const mine = await call<{ deals: Deal[] }>(b.url, "GET", "/api/deals", { token: winner.token });
    expect(mine.body.deals.map((deal) => [deal.process, deal.state])).toEqual([["auction", "won"]]);
    const pending = await database.query<{ n: number }>(
      "select count(*)::int as n from timers where item_id = $1 and fired_at is null and canceled_at is null",
      [item.id],
    );
    expect(pending[0]?.n).toBe(0);
    // A watcher on each process hears the end once.
    for (const events of heard) await eventually(() => expect(endedIn(events)).toHaveLength(1));
  });
});
