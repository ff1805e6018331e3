import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bid } from "../shared/auctions.js";
import type { Deal } from "../shared/deals.js";
import { bodyOf, type ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { jsonNumber } from "./helpers/json.js";
import { createModerator } from "./helpers/moderators.js";
import { checkout, confirm } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, connect, eventually, joinItem, requestOk } from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let alice: Session;
let bob: Session;
let carol: Session;
let moderator: Session;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  // The winner's payment lapses after 6 s, so the second chance is seen in the test (and the next
  // bidder, on a loaded machine, still has time to pay).
  server = await startServer({ env: { AUCTION_PAYMENT_SECONDS: "6" } });
  [seller, alice, bob, carol] = await Promise.all([
    signUp(server.url, "seller"),
    signUp(server.url, "buyer"),
    signUp(server.url, "buyer"),
    signUp(server.url, "buyer"),
  ]);
  moderator = await createModerator(server);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
});

const usd = (amount: number) => ({ amount, currency: "usd" });
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

function auctionItem(sale: Record<string, unknown>) {
  return listItem(server.url, seller, {
    title: "Auctioned lamp",
    price: usd(1_000),
    sale: { kind: "auction", startingBid: usd(1_000), endsAt: inSeconds(60), ...sale } as never,
  });
}

const bid = (session: Session, itemId: string, amount: number, clientBidId: string = randomUUID()) =>
  call<{ bid: Bid; item: Item }>(server.url, "POST", `/api/items/${itemId}/bids`, {
    token: session.token,
    body: { maxAmount: usd(amount), clientBidId },
  });
const getItem = (session: Session | null, itemId: string) =>
  call<{ item: Item }>(server.url, "GET", `/api/items/${itemId}`, session ? { token: session.token } : {});
const roomEvents = async (itemId: string) =>
  (await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${itemId}/events?limit=200`)).body
    .events;
const bidsIn = (events: ItemEvent[]) =>
  events.flatMap((event) => {
    const body = bodyOf(event, "custom:bid");
    return body ? [[body.bidder.id, body.amount.amount, body.leaderId]] : [];
  });
const auctionEventsIn = (events: ItemEvent[]) =>
  events.flatMap((event) => {
    const body = bodyOf(event, "custom:auction");
    return body ? [body] : [];
  });
const dealsOf = async (session: Session, itemId: string) =>
  (
    await call<{ deals: Deal[] }>(server.url, "GET", "/api/deals?limit=100", { token: session.token })
  ).body.deals.filter((deal) => deal.itemId === itemId);

describe("listing an auction", () => {
  it("prices it at the starting bid and shows its state; the reserve's amount only to the seller", async () => {
    const item = await listItem(server.url, seller, {
      price: usd(5_000),
      sale: { kind: "auction", startingBid: usd(1_000), reserve: usd(3_000), endsAt: inSeconds(60) } as never,
    });
    expect(item.price).toEqual(usd(1_000));
    expect(item.sale).toBe("auction");
    expect(item.auction).toMatchObject({
      status: "live",
      currentPrice: null,
      leader: null,
      bidCount: 0,
      reserveMet: false,
      softCloseSeconds: 120,
      hasReserve: true,
      reserve: usd(3_000),
    });
    const anonymous = (await getItem(null, item.id)).body.item;
    expect(anonymous.auction?.hasReserve).toBe(true);
    expect(anonymous.auction).not.toHaveProperty("reserve");
    expect((await getItem(alice, item.id)).body.item.auction).not.toHaveProperty("reserve");
    expect((await getItem(seller, item.id)).body.item.auction?.reserve).toEqual(usd(3_000));
  });

  it("refuses terms that make no sense, with a human message", async () => {
    const past = await call(server.url, "POST", "/api/items", {
      token: seller.token,
      body: {
        title: "Late",
        description: "",
        price: usd(1_000),
        sale: { kind: "auction", startingBid: usd(1_000), endsAt: inSeconds(-5) },
      },
    });
    expect(past.status).toBe(400);
    expect((past.body.error as { message: string }).message).toBe("The end must be in the future");
    const lowReserve = await call(server.url, "POST", "/api/items", {
      token: seller.token,
      body: {
        title: "Odd",
        description: "",
        price: usd(1_000),
        sale: { kind: "auction", startingBid: usd(1_000), reserve: usd(500), endsAt: inSeconds(60) },
      },
    });
    expect(lowReserve.status).toBe(400);
  });

  it("is found with sale=auction and not with sale=fixed", async () => {
    const item = await auctionItem({});
    const auctions = await call<{ items: Item[] }>(server.url, "GET", "/api/items?sale=auction&limit=100");
    expect(auctions.body.items.map((found) => found.id)).toContain(item.id);
    const fixed = await call<{ items: Item[] }>(server.url, "GET", "/api/items?sale=fixed&limit=100");
    expect(fixed.body.items.map((found) => found.id)).not.toContain(item.id);
  });

  it("refuses checkout on an auctioned item (conflict)", async () => {
    const item = await auctionItem({});
    const { status, body } = await checkout(server.url, alice, item.id);
    expect([status, body]).toMatchObject([409, { error: { code: "conflict" } }]);
  });
});

describe("bidding", () => {
  it("prices by proxy, announces only changes of price or leader, and keeps maxima private", async () => {
    const item = await auctionItem({});
    const first = await bid(alice, item.id, 3_000);
    expect(first.status).toBe(201);
    expect(first.body.bid).toMatchObject({ maxAmount: usd(3_000), leading: true });
    expect(first.body.item.auction).toMatchObject({
      currentPrice: usd(1_000),
      leader: { id: alice.user.id, username: alice.user.username },
      bidCount: 1,
      reserveMet: true,
      yourMaximum: usd(3_000),
    });
    // Bob bids under Alice's maximum: Alice stays ahead at Bob's maximum plus one increment.
    const second = await bid(bob, item.id, 2_000);
    expect([second.status, second.body.bid.leading]).toEqual([201, false]);
    expect(second.body.item.auction?.currentPrice).toEqual(usd(2_050));
    expect(second.body.item.auction?.yourMaximum).toEqual(usd(2_000));
    // Alice raises her own maximum: no public event.
    const raise = await bid(alice, item.id, 4_000);
    expect([raise.status, raise.body.bid.leading]).toEqual([201, true]);
    expect(raise.body.item.auction?.currentPrice).toEqual(usd(2_050));
    // Below the next valid amount: refused with the least acceptable.
    const low = await bid(carol, item.id, 2_050);
    expect([low.status, low.body]).toMatchObject([
      409,
      { error: { code: "bid_too_low", details: { minimum: usd(2_100) } } },
    ]);
    // Carol outbids: she leads at Alice's maximum plus an increment.
    const top = await bid(carol, item.id, 9_000);
    expect(top.body.item.auction).toMatchObject({ currentPrice: usd(4_100), bidCount: 4 });
    expect(bidsIn(await roomEvents(item.id))).toEqual([
      [alice.user.id, 1_000, alice.user.id],
      [bob.user.id, 2_050, alice.user.id],
      [carol.user.id, 4_100, carol.user.id],
    ]);
    // Nobody else sees a maximum.
    const seen = await getItem(bob, item.id);
    expect(seen.body.item.auction?.yourMaximum).toEqual(usd(2_000));
    expect(JSON.stringify((await getItem(null, item.id)).body)).not.toMatch(jsonNumber(9000));
    expect(JSON.stringify(await roomEvents(item.id))).not.toMatch(jsonNumber(9000));
  });

  it("never bids twice for the same clientBidId, over HTTP or the socket", async () => {
    const item = await auctionItem({});
    const clientBidId = randomUUID();
    const first = await bid(alice, item.id, 1_500, clientBidId);
    const again = await bid(alice, item.id, 1_500, clientBidId);
    expect(again.status).toBe(201);
    expect(again.body.bid.id).toBe(first.body.bid.id);
    const socket = await connect(server.url, alice.token);
    sockets.push(socket);
    const viaSocket = await requestOk<{ bid: Bid; item: Item }>(socket, "bid:place", {
      itemId: item.id,
      maxAmount: usd(1_500),
      clientBidId,
    });
    expect(viaSocket.bid.id).toBe(first.body.bid.id);
    expect(viaSocket.item.auction?.bidCount).toBe(1);
  });

  it("takes bids over the socket and delivers custom:bid to the room", async () => {
    const item = await auctionItem({});
    const watcher = await connect(server.url, carol.token);
    const bidder = await connect(server.url, bob.token);
    sockets.push(watcher, bidder);
    await joinItem(watcher, item.id);
    const seen: ItemEvent[] = [];
    watcher.on("item:event", ({ event }) => seen.push(event));
    const ack = await requestOk<{ bid: Bid; item: Item }>(bidder, "bid:place", {
      itemId: item.id,
      maxAmount: usd(1_200),
      clientBidId: randomUUID(),
    });
    expect(ack.bid.leading).toBe(true);
    await eventually(() => expect(bidsIn(seen)).toEqual([[bob.user.id, 1_000, bob.user.id]]));
  });

  it("refuses the seller and moderators (403), and bids before the start or after the end", async () => {
    const item = await auctionItem({});
    expect((await bid(seller, item.id, 1_000)).status).toBe(403);
    expect((await bid(moderator, item.id, 1_000)).status).toBe(403);
    const scheduled = await auctionItem({ startsAt: inSeconds(30), endsAt: inSeconds(90) });
    expect(scheduled.auction?.status).toBe("scheduled");
    expect((await bid(alice, scheduled.id, 1_000)).body).toMatchObject({
      error: { code: "auction_not_live" },
    });
    const fixed = await listItem(server.url, seller, {});
    expect((await bid(alice, fixed.id, 3_000)).status).toBe(409);
  });

  it("fixes price and terms after the first bid (auction_has_bids); other fields stay editable", async () => {
    const item = await auctionItem({});
    const patch = (body: unknown) =>
      call<{ item: Item }>(server.url, "PATCH", `/api/items/${item.id}`, { token: seller.token, body });
    const before = await patch({ price: usd(1_200) });
    expect(before.body.item.auction?.startingBid).toEqual(usd(1_200));
    await bid(alice, item.id, 1_200);
    expect((await patch({ price: usd(900) })).body).toMatchObject({ error: { code: "auction_has_bids" } });
    expect(
      (await patch({ sale: { kind: "auction", startingBid: usd(1), endsAt: inSeconds(30) } })).body,
    ).toMatchObject({ error: { code: "auction_has_bids" } });
    expect((await patch({ title: "Auctioned lamp, brass" })).status).toBe(200);
  });
});

describe("the end", () => {
  it("extends only for bids that change price or leader within the soft close", async () => {
    const item = await auctionItem({ endsAt: inSeconds(3), softCloseSeconds: 5 });
    await bid(alice, item.id, 5_000);
    let events = await roomEvents(item.id);
    const extended = auctionEventsIn(events);
    expect(extended).toHaveLength(1);
    expect(extended[0]).toMatchObject({ status: "extended" });
    const endsAt = (await getItem(null, item.id)).body.item.auction?.endsAt;
    // The leader raising their maximum and a refused bid move nothing.
    await bid(alice, item.id, 6_000);
    expect((await bid(bob, item.id, 1_000)).status).toBe(409);
    events = await roomEvents(item.id);
    expect(auctionEventsIn(events)).toHaveLength(1);
    expect((await getItem(null, item.id)).body.item.auction?.endsAt).toBe(endsAt);
  });

  it("ends exactly once with the winner's deal, which is paid; an unpaid win goes to the next bidder once", async () => {
    const item = await auctionItem({ endsAt: inSeconds(2), softCloseSeconds: 0 });
    await bid(alice, item.id, 3_000);
    await bid(bob, item.id, 2_000);
    await eventually(async () => {
      expect(auctionEventsIn(await roomEvents(item.id))).toEqual([
        {
          status: "ended",
          winner: { id: alice.user.id, username: alice.user.username },
          amount: usd(2_050),
          reserveMet: true,
        },
      ]);
    }, 8_000);
    const ended = (await getItem(null, item.id)).body.item;
    expect([ended.status, ended.auction?.status]).toEqual(["reserved", "ended"]);
    expect((await bid(carol, item.id, 9_000)).body).toMatchObject({ error: { code: "auction_not_live" } });
    const [won] = await dealsOf(alice, item.id);
    expect(won).toMatchObject({ process: "auction", state: "won", total: usd(2_050) });
    // Alice lets it lapse: Bob gets a won deal at his maximum.
    await eventually(async () => {
      const [second] = await dealsOf(bob, item.id);
      expect(second).toMatchObject({ process: "auction", state: "won", total: usd(2_000) });
    }, 15_000);
    expect((await dealsOf(alice, item.id))[0]?.state).toBe("expired");
    const [second] = await dealsOf(bob, item.id);
    const paid = await confirm(server.url, bob, second!.payment!.id);
    expect(paid.body).toMatchObject({ payment: { status: "succeeded" } });
    expect((await dealsOf(bob, item.id))[0]?.state).toBe("paid");
    expect((await getItem(null, item.id)).body.item.status).toBe("sold");
    expect(auctionEventsIn(await roomEvents(item.id)).filter((body) => body.status === "ended")).toHaveLength(
      1,
    );
  });

  it("without a winner over the reserve, leaves the item available and editable", async () => {
    const item = await auctionItem({ endsAt: inSeconds(2), reserve: usd(5_000), softCloseSeconds: 0 });
    await bid(alice, item.id, 2_000);
    await eventually(async () => {
      expect(auctionEventsIn(await roomEvents(item.id))).toMatchObject([
        { status: "ended", amount: usd(1_000), reserveMet: false },
      ]);
    }, 8_000);
    expect(await dealsOf(alice, item.id)).toEqual([]);
    expect((await getItem(null, item.id)).body.item.status).toBe("available");
    const edit = await call(server.url, "PATCH", `/api/items/${item.id}`, {
      token: seller.token,
      body: { price: usd(800) },
    });
    expect(edit.status).toBe(200);
  });

  it("ends an auction that fell due while no server ran, on the next start", async () => {
    const db = server.db;
    const item = await auctionItem({ endsAt: inSeconds(60) });
    await bid(alice, item.id, 1_500);
    // As if the end had come and gone while the servers were down.
    await db.query("update auctions set ends_at = now() - interval '5 seconds' where item_id = $1", [
      item.id,
    ]);
    await db.query(
      "update timers set fire_at = now() - interval '5 seconds' where item_id = $1 and fired_at is null",
      [item.id],
    );
    const restarted = await startServer({ db });
    try {
      await eventually(async () => {
        const ended = auctionEventsIn(await roomEvents(item.id)).filter((body) => body.status === "ended");
        expect(ended).toMatchObject([{ status: "ended", amount: usd(1_000) }]);
      }, 8_000);
    } finally {
      await restarted.close();
    }
  });
});

describe("the grid", () => {
  it("sorts live auctions first by their end with sort=ending_soon, then the rest newest first", async () => {
    const later = await auctionItem({ endsAt: inSeconds(600) });
    const sooner = await auctionItem({ endsAt: inSeconds(300) });
    const fixed = await listItem(server.url, seller, {});
    const ids: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page: { status: number; body: { items: Item[]; nextCursor: string | null } } = await call(
        server.url,
        "GET",
        `/api/items?sort=ending_soon&limit=5${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      ids.push(...page.body.items.map((found) => found.id));
      cursor = page.body.nextCursor;
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.indexOf(sooner.id)).toBeLessThan(ids.indexOf(later.id));
    expect(ids.indexOf(later.id)).toBeLessThan(ids.indexOf(fixed.id));
    const live = ids.filter((id) => id === sooner.id || id === later.id);
    expect(live).toEqual([sooner.id, later.id]);
  });
});
