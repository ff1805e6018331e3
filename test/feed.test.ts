import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../shared/items.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connect,
  connectAnonymous,
  eventually,
  joinItem,
  request,
  requestOk,
  sendMessage,
  subscribeItems,
} from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  server = await startServer();
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(() => server.close());

const open = async (session: Session | null) => {
  const socket = session ? await connect(server.url, session.token) : await connectAnonymous(server.url);
  sockets.push(socket);
  return socket;
};
const edit = (item: Item, title: string) =>
  call(server.url, "PATCH", `/api/items/${item.id}`, { token: seller.token, body: { title } });

describe("items:changed goes to those who look (amendment 3)", () => {
  it("reaches subscribed sockets and the item's room only, and stops on unsubscribe", async () => {
    const item = await listItem(server.url, seller);
    // `marker` is an item every socket below hears about, edited after `item`: once a socket has the
    // marker's change, it would already have had `item`'s (one process emits in order).
    const marker = await listItem(server.url, seller, { title: "Marker" });
    const [subscribed, inRoom, bystander] = await Promise.all([open(buyer), open(buyer), open(seller)]);
    await subscribeItems(subscribed);
    await joinItem(inRoom, item.id);
    await Promise.all([joinItem(inRoom, marker.id), joinItem(bystander, marker.id)]);
    const heard = [subscribed, inRoom, bystander].map((socket) => collect(socket, "items:changed"));

    await edit(item, "Edited once");
    await edit(marker, "Marker edited");
    const titlesOf = (i: number) => heard[i]!.map((change) => change.item.title);
    await eventually(() => {
      for (const i of [0, 1, 2]) expect(titlesOf(i)).toContain("Marker edited");
    });
    expect(titlesOf(0)).toEqual(["Edited once", "Marker edited"]);
    expect(titlesOf(1)).toEqual(["Edited once", "Marker edited"]);
    expect(titlesOf(2)).toEqual(["Marker edited"]);

    await requestOk(subscribed, "items:unsubscribe", {});
    await joinItem(subscribed, marker.id);
    await edit(item, "Edited twice");
    await edit(marker, "Marker edited again");
    await eventually(() => expect(titlesOf(0)).toContain("Marker edited again"));
    expect(titlesOf(0)).toEqual(["Edited once", "Marker edited", "Marker edited again"]);
  });

  it("answers bad feed payloads with bad_request", async () => {
    const socket = await open(buyer);
    expect(await request(socket, "items:subscribe", { all: true })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
  });

  it("keeps v1's broadcast to every socket with ITEMS_CHANGED_TO_ALL=true", async () => {
    const v1 = await startServer({ env: { ITEMS_CHANGED_TO_ALL: "true" } });
    try {
      const [owner, watcher] = await Promise.all([signUp(v1.url, "seller"), signUp(v1.url, "buyer")]);
      const socket = await connect(v1.url, watcher.token);
      sockets.push(socket);
      const changes = collect(socket, "items:changed");
      const item = await listItem(v1.url, owner);
      await eventually(() => expect(changes.map((change) => change.item.id)).toContain(item.id));
    } finally {
      await v1.close();
    }
  });
});

describe("anonymous sockets (open browsing)", () => {
  it("read a room's history and live events, and the feed, without becoming members or being counted", async () => {
    const item = await listItem(server.url, seller);
    const visitor = await open(null);
    const joined = await joinItem(visitor, item.id);
    expect(joined.item.id).toBe(item.id);
    expect(joined.events.map((event) => event.seq)).toEqual([1]);
    await subscribeItems(visitor);
    const live = collect(visitor, "item:event");
    const changes = collect(visitor, "items:changed");
    const presence = collect(visitor, "room:presence");

    const talker = await open(buyer);
    await joinItem(talker, item.id);
    await sendMessage(talker, item.id, "Still available?");
    await edit(item, "Visible to visitors");
    await eventually(() => {
      expect(live.map((payload) => payload.event.body)).toContainEqual({ text: "Still available?" });
      expect(changes.map((change) => change.item.title)).toContain("Visible to visitors");
    });
    // Only the signed-in buyer counts as a person in the room.
    await eventually(() => expect(presence.at(-1)?.count).toBe(1));
  });

  it("may not write: messages, typing and the moderators' watch answer unauthorized", async () => {
    const item = await listItem(server.url, seller);
    const visitor = await open(null);
    await joinItem(visitor, item.id);
    for (const [event, payload] of [
      ["message:send", { itemId: item.id, text: "hi", clientMessageId: "anon-1" }],
      ["typing:set", { itemId: item.id, typing: true }],
      ["moderation:watch", {}],
    ] as const) {
      expect(await request(visitor, event, payload), event).toMatchObject({
        ok: false,
        error: { code: "unauthorized" },
      });
    }
    const events = await call<{ events: unknown[] }>(server.url, "GET", `/api/items/${item.id}/events`);
    expect(events.body.events).toHaveLength(1);
  });

  it("still refuses a missing or bad token without the anonymous flag (v1)", async () => {
    await expect(connect(server.url, undefined)).rejects.toThrow("unauthorized");
    await expect(connect(server.url, "forged")).rejects.toThrow("unauthorized");
  });
});
