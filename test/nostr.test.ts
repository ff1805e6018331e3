import { createServer } from "node:net";
import { AbstractRelay } from "nostr-tools/abstract-relay";
import type { Filter } from "nostr-tools/filter";
import { type Event, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createKeyBox } from "../server/nostr/keys.js";
import { markdownSafe } from "../server/nostr/listing.js";
import type { Item } from "../shared/items.js";
import type { Profile } from "../shared/profiles.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { startNostrRelay, type TestRelay } from "./helpers/nostr-relay.js";
import { checkout, confirm } from "./helpers/payments.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { eventually } from "./helpers/sockets.js";

/**
 * Items as NIP-99 listings on real relays: `@nostr-relay/core` over `ws`, one up from the start and one
 * whose port nothing listens on until a test starts it there. The server retries after 1 s, doubling.
 */
const PUBLIC_URL = "https://market.example";
let relay: TestRelay;
let lateRelay: TestRelay | undefined;
let latePort: number;
let server: TestServer;
let seller: Session;
let buyer: Session;

beforeAll(async () => {
  relay = await startNostrRelay();
  latePort = await freePort();
  server = await startServer({
    env: {
      NOSTR_RELAYS: `${relay.url}, ws://127.0.0.1:${latePort}`,
      NOSTR_RETRY_SECONDS: "1",
      PUBLIC_URL,
    },
  });
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});

afterAll(async () => {
  await server.close();
  await relay.stop();
  await lateRelay?.stop();
});

/** A port free now: a listener takes one and lets it go. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** What a Nostr client gets for `filter` from the relay at `url` (REQ until EOSE), each event verified. */
async function query(url: string, filter: Filter): Promise<Event[]> {
  const client = await AbstractRelay.connect(url, {
    verifyEvent,
    websocketImplementation: WebSocket as unknown as typeof globalThis.WebSocket,
    timeout: 5_000,
  });
  try {
    return await new Promise<Event[]>((resolve) => {
      const events: Event[] = [];
      const subscription = client.subscribe([filter], {
        onevent: (event) => events.push(event),
        oneose: () => {
          subscription.close();
          resolve(events);
        },
      });
    });
  } finally {
    client.close();
  }
}

/** The item's one listing on the relay, once `check` passes on it. */
async function listingOn(url: string, itemId: string, check: (event: Event) => void): Promise<Event> {
  let found: Event | undefined;
  await eventually(async () => {
    const events = await query(url, { kinds: [30402], "#d": [itemId] });
    expect(events).toHaveLength(1);
    found = events[0];
    if (found) check(found);
  }, 20_000);
  return found!;
}

const tag = (event: Event, name: string) => event.tags.find(([tagName]) => tagName === name)?.slice(1);
const tagValues = (event: Event, name: string) =>
  event.tags.filter(([tagName]) => tagName === name).map(([, value]) => value);

const edit = (item: Item, body: Record<string, unknown>) =>
  call<{ item: Item }>(server.url, "PATCH", `/api/items/${item.id}`, { token: seller.token, body });

describe("Nostr listings", () => {
  it("publishes an available item as a signed NIP-99 listing with its tags and content", async () => {
    const description = "Steel *frame*, <b>new</b> tyres.\n# Not a heading\nServiced in May.";
    const item = await listItem(server.url, seller, {
      title: "Vintage road bike",
      description,
      price: { amount: 12_550, currency: "eur" },
      images: ["/uploads/bike.png", "https://images.example/bike-2.jpg"],
      category: "sports/bicycles",
      tags: ["vintage", "steel"],
      location: { city: "Lisbon", country: "Portugal" },
    });
    const event = await listingOn(relay.url, item.id, () => {});
    expect(verifyEvent(event)).toBe(true);
    const { body } = await call<{ user: Profile }>(server.url, "GET", `/api/users/${seller.user.id}`);
    expect(body.user.nostr?.pubkey).toMatch(/^[0-9a-f]{64}$/);
    expect(event.pubkey).toBe(body.user.nostr?.pubkey);
    expect(event.kind).toBe(30402);
    expect(tag(event, "d")).toEqual([item.id]);
    expect(tag(event, "title")).toEqual(["Vintage road bike"]);
    expect(tag(event, "summary")).toEqual(["Steel *frame*, <b>new</b> tyres."]);
    expect(tag(event, "price")).toEqual(["125.50", "EUR"]);
    expect(tag(event, "published_at")).toEqual([String(Math.floor(Date.parse(item.createdAt) / 1000))]);
    expect(tagValues(event, "image")).toEqual([
      `${PUBLIC_URL}/uploads/bike.png`,
      "https://images.example/bike-2.jpg",
    ]);
    expect(tagValues(event, "t").sort()).toEqual(["bicycles", "sports", "steel", "vintage"]);
    expect(tag(event, "location")).toEqual(["Lisbon, Portugal"]);
    expect(tag(event, "status")).toEqual(["active"]);
    expect(tag(event, "r")).toEqual([`${PUBLIC_URL}/items/${item.id}`]);
    expect(event.content).toBe(markdownSafe(description));
    expect(event.content).toBe(
      "Steel \\*frame\\*, \\<b\\>new\\</b\\> tyres.\n\\# Not a heading\nServiced in May.",
    );
    // A buyer lists nothing and has no key.
    const buyerProfile = await call<{ user: Profile }>(server.url, "GET", `/api/users/${buyer.user.id}`);
    expect(buyerProfile.body.user.nostr).toBeUndefined();
  });

  it("gives a relay that is down at first the latest version once it is up, never an older one", async () => {
    const item = await listItem(server.url, seller, { title: "Oak desk" });
    const edited = await edit(item, { title: "Oak desk, restored" });
    expect(edited.status).toBe(200);
    await listingOn(relay.url, item.id, (event) =>
      expect(tag(event, "title")).toEqual(["Oak desk, restored"]),
    );
    // The late relay's delivery failed and is owed, holding the latest version only.
    await eventually(async () => {
      const [row] = await server.db.query<{ attempts: number; sent_at: Date | null; last_error: string }>(
        "select attempts, sent_at, last_error from nostr_deliveries where item_id = $1 and relay = $2",
        [item.id, `ws://127.0.0.1:${latePort}`],
      );
      expect(row?.attempts).toBeGreaterThanOrEqual(1);
      expect(row?.sent_at).toBeNull();
      expect(row?.last_error).toBeTruthy();
    });
    lateRelay = await startNostrRelay(latePort);
    const late = lateRelay;
    await listingOn(late.url, item.id, (event) =>
      expect(tag(event, "title")).toEqual(["Oak desk, restored"]),
    );
    // It was sent the item once: the latest version, never the one the edit replaced while it was down.
    expect(late.stored().filter((event) => tag(event, "d")?.[0] === item.id)).toHaveLength(1);
    expect(late.received().filter((event) => tag(event, "d")?.[0] === item.id)).toHaveLength(1);
  });

  it("replaces the listing on edit: same d, a later version, the new title and price", async () => {
    const item = await listItem(server.url, seller, { title: "Armchair" });
    const first = await listingOn(relay.url, item.id, () => {});
    await edit(item, { title: "Green armchair", price: { amount: 9_900, currency: "usd" } });
    const second = await listingOn(relay.url, item.id, (event) =>
      expect(tag(event, "title")).toEqual(["Green armchair"]),
    );
    expect(verifyEvent(second)).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect(second.created_at).toBeGreaterThan(first.created_at);
    expect(tag(second, "d")).toEqual([item.id]);
    expect(tag(second, "price")).toEqual(["99.00", "USD"]);
  });

  it("publishes status sold when the item is sold", async () => {
    const item = await listItem(server.url, seller, { title: "Record player" });
    await listingOn(relay.url, item.id, (event) => expect(tag(event, "status")).toEqual(["active"]));
    const started = await checkout(server.url, buyer, item.id);
    expect(started.status).toBe(201);
    expect((await confirm(server.url, buyer, started.body.payment.id)).status).toBe(200);
    const sold = await listingOn(relay.url, item.id, (event) =>
      expect(tag(event, "status")).toEqual(["sold"]),
    );
    expect(verifyEvent(sold)).toBe(true);
    expect(tag(sold, "title")).toEqual(["Record player"]);
  });

  it("publishes a kind 5 deletion of the listing when the item is withdrawn", async () => {
    const item = await listItem(server.url, seller, { title: "Bookshelf" });
    const listing = await listingOn(relay.url, item.id, () => {});
    expect(
      (await call(server.url, "POST", `/api/items/${item.id}/withdraw`, { token: seller.token })).status,
    ).toBe(200);
    await eventually(async () => {
      const deletions = await query(relay.url, { kinds: [5], "#a": [`30402:${listing.pubkey}:${item.id}`] });
      expect(deletions).toHaveLength(1);
      const [deletion] = deletions;
      expect(verifyEvent(deletion!)).toBe(true);
      expect(deletion?.pubkey).toBe(listing.pubkey);
      expect(tag(deletion!, "e")).toEqual([listing.id]);
    }, 20_000);
    expect(await query(relay.url, { kinds: [30402], "#d": [item.id] })).toEqual([]);
  });

  it("deletes a suspended seller's listings and lists them again when the seller is reinstated", async () => {
    const other = await signUp(server.url, "seller");
    const moderator = await createModerator(server);
    const item = await listItem(server.url, other, { title: "Pine wardrobe" });
    const listing = await listingOn(relay.url, item.id, () => {});
    const moderate = (action: "suspend" | "reinstate") =>
      call(server.url, "POST", `/api/moderation/users/${other.user.id}/${action}`, {
        token: moderator.token,
        body: { reason: "Checking the listings" },
      });
    expect((await moderate("suspend")).status).toBe(200);
    const address = `30402:${listing.pubkey}:${item.id}`;
    await eventually(async () => {
      expect(await query(relay.url, { kinds: [5], "#a": [address] })).toHaveLength(1);
      expect(await query(relay.url, { kinds: [30402], "#d": [item.id] })).toEqual([]);
    }, 20_000);
    expect((await moderate("reinstate")).status).toBe(200);
    const [deletion] = await query(relay.url, { kinds: [5], "#a": [address] });
    // Listed again after the deletion's time, so the relay (which honours the deletion) takes it.
    const again = await listingOn(relay.url, item.id, (event) =>
      expect(tag(event, "status")).toEqual(["active"]),
    );
    expect(again.created_at).toBeGreaterThan(deletion!.created_at);
    expect(again.pubkey).toBe(listing.pubkey);
  });

  it("skips a seller whose key no longer opens (another server secret) and goes on with the others", async () => {
    const stranger = await signUp(server.url, "seller");
    const sealedElsewhere = createKeyBox("another server's secret, 32 chars long").seal(
      new Uint8Array(32).fill(7),
      stranger.user.id,
    );
    await server.db.query("insert into nostr_keys (user_id, pubkey, secret_box) values ($1, $2, $3)", [
      stranger.user.id,
      getPublicKey(new Uint8Array(32).fill(7)),
      sealedElsewhere,
    ]);
    const skipped = await listItem(server.url, stranger, { title: "Unsigned chair" });
    const after = await listItem(server.url, seller, { title: "Signed chair" });
    await listingOn(relay.url, after.id, () => {});
    expect(await query(relay.url, { kinds: [30402], "#d": [skipped.id] })).toEqual([]);
  });

  it("retries a relay that answers OK=false, and delivers on a later try", async () => {
    relay.refuse(
      (event) => event.tags.some(([name, value]) => name === "title" && value === "Floor lamp"),
      1,
    );
    const item = await listItem(server.url, seller, { title: "Floor lamp" });
    await listingOn(relay.url, item.id, () => {});
    const [row] = await server.db.query<{ attempts: number; sent_at: Date | null }>(
      "select attempts, sent_at from nostr_deliveries where item_id = $1 and relay = $2",
      [item.id, relay.url],
    );
    expect(row?.attempts).toBe(1);
    expect(row?.sent_at).not.toBeNull();
    const tries = relay.received().filter((event) => tag(event, "d")?.[0] === item.id);
    expect(tries).toHaveLength(2);
    expect(tries[1]?.id).toBe(tries[0]?.id);
  });

  it("shares the work between two processes: each version reaches a relay once", async () => {
    const twin = await startServer({
      db: server.db,
      env: {
        NOSTR_RELAYS: `${relay.url}, ws://127.0.0.1:${latePort}`,
        NOSTR_RETRY_SECONDS: "1",
        PUBLIC_URL,
        JWT_SECRET: server.jwtSecret,
      },
    });
    try {
      const items = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          listItem(i % 2 === 0 ? server.url : twin.url, seller, { title: `Stool ${i}` }),
        ),
      );
      for (const item of items) await listingOn(relay.url, item.id, () => {});
      const ids = new Set(items.map((item) => item.id));
      const sent = relay.received().filter((event) => ids.has(tag(event, "d")?.[0] ?? ""));
      expect(sent).toHaveLength(6);
      // Signed once each, by the seller's one key, whichever process read the change.
      expect(new Set(sent.map((event) => event.pubkey)).size).toBe(1);
    } finally {
      await twin.close();
    }
  });

  it("catches up at start on items listed while Nostr was off and on a relay added since, once across two processes", async () => {
    // A marketplace running without Nostr: an item for sale, one withdrawn, one by a suspended seller.
    const off = await startServer();
    const fresh = await startNostrRelay();
    const added = await startNostrRelay();
    const nostrEnv = (relays: string[]) => ({ NOSTR_RELAYS: relays.join(","), JWT_SECRET: off.jwtSecret });
    const twins: TestServer[] = [];
    try {
      const [shop, banned] = await Promise.all([signUp(off.url, "seller"), signUp(off.url, "seller")]);
      const forSale = await listItem(off.url, shop, { title: "Walnut sideboard" });
      const withdrawn = await listItem(off.url, shop, { title: "Withdrawn lamp" });
      await call(off.url, "POST", `/api/items/${withdrawn.id}/withdraw`, { token: shop.token });
      const hidden = await listItem(off.url, banned, { title: "Hidden chair" });
      const moderator = await createModerator(off);
      await call(off.url, "POST", `/api/moderation/users/${banned.user.id}/suspend`, {
        token: moderator.token,
        body: { reason: "Checking the listings" },
      });
      const ours = (relayOf: TestRelay) =>
        relayOf
          .received()
          .filter((event) => [forSale.id, withdrawn.id, hidden.id].includes(tag(event, "d")?.[0] ?? ""));

      // The marketplace restarts with Nostr on, in two processes at once, after the old one read the outbox
      // to its end (moving past every change, publishing nothing): the item for sale is published, once.
      await eventually(async () => {
        const [read] = await off.db.query<{ behind: boolean }>(
          `select position < (select coalesce(max(position), 0) from outbox) as behind
             from outbox_readers where name = 'nostr'`,
        );
        expect(read?.behind).toBe(false);
      });
      await off.app.stopBackground();
      twins.push(
        ...(await Promise.all([1, 2].map(() => startServer({ db: off.db, env: nostrEnv([fresh.url]) })))),
      );
      const listing = await listingOn(fresh.url, forSale.id, (event) =>
        expect(tag(event, "status")).toEqual(["active"]),
      );
      expect(verifyEvent(listing)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(ours(fresh).map((event) => tag(event, "d")?.[0])).toEqual([forSale.id]);

      // A relay added to NOSTR_RELAYS gets the listing too, though the item has not changed since.
      twins.push(await startServer({ db: off.db, env: nostrEnv([fresh.url, added.url]) }));
      const copy = await listingOn(added.url, forSale.id, () => {});
      expect(copy.pubkey).toBe(listing.pubkey);
      expect(tag(copy, "title")).toEqual(["Walnut sideboard"]);
      expect(ours(added)).toHaveLength(1);
    } finally {
      for (const twin of twins) await twin.close();
      await off.close();
      await fresh.stop();
      await added.stop();
    }
  });

  it("keeps each seller's secret key encrypted: the column is not the key, and only this server opens it", async () => {
    const [row] = await server.db.query<{ pubkey: string; secret_box: string }>(
      "select pubkey, secret_box from nostr_keys where user_id = $1",
      [seller.user.id],
    );
    expect(row).toBeDefined();
    const secretKey = createKeyBox(server.jwtSecret).open(row!.secret_box, seller.user.id);
    expect(getPublicKey(secretKey)).toBe(row!.pubkey);
    const hex = Buffer.from(secretKey).toString("hex");
    expect(row!.secret_box).not.toContain(hex);
    expect(row!.secret_box).not.toContain(Buffer.from(secretKey).toString("base64url"));
    expect(() =>
      createKeyBox("another server's secret, 32 chars long").open(row!.secret_box, seller.user.id),
    ).toThrow();
    expect(() => createKeyBox(server.jwtSecret).open(row!.secret_box, buyer.user.id)).toThrow();
  });
});
