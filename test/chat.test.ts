import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { startServer, type TestServer } from "./helpers/server.js";
import {
  type ClientSocket,
  collect,
  connect,
  eventually,
  joinItem as join,
  request,
  requestOk,
  sendMessage as send,
  subscribeItems,
} from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
const open: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  [seller, buyer] = await Promise.all([signUp(server.url, "seller"), signUp(server.url, "buyer")]);
});
afterAll(async () => {
  for (const socket of open) socket.close();
  await server.close();
});

async function socketFor(session: Session): Promise<ClientSocket> {
  const socket = await connect(server.url, session.token);
  open.push(socket);
  return socket;
}

describe("item rooms", () => {
  it("joins with the item and its whole history, and records membership", async () => {
    const item = await listItem(server.url, seller);
    const socket = await socketFor(buyer);
    const joined = await join(socket, item.id);
    expect(joined.item.id).toBe(item.id);
    expect(joined.events.map((event) => [event.seq, event.type])).toEqual([[1, "custom:item_details"]]);
    const members = await server.db.query("select 1 from item_members where item_id = $1 and user_id = $2", [
      item.id,
      buyer.user.id,
    ]);
    expect(members).toHaveLength(1);
  });

  it("delivers every message once, in seq order, to every socket in the room, the sender included", async () => {
    const item = await listItem(server.url, seller);
    const [a, b, outsider] = await Promise.all([socketFor(buyer), socketFor(seller), socketFor(buyer)]);
    await Promise.all([join(a, item.id), join(b, item.id)]);
    const atA = collect(a, "item:event");
    const atB = collect(b, "item:event");
    const atOutsider = collect(outsider, "item:event");
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a : b, item.id, `message ${i}`)),
    );
    const seqs = sent.map((ack) => ack.event.seq).sort((x, y) => x - y);
    expect(seqs).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await eventually(() => {
      expect(atA.map((payload) => payload.event.seq)).toEqual(seqs);
      expect(atB.map((payload) => payload.event.seq)).toEqual(seqs);
    });
    expect(atA[0]).toMatchObject({
      itemId: item.id,
      event: { type: "text", author: { role: expect.any(String) } },
    });
    // A message's clientMessageId reaches its author's sockets only (it matches their pending bubble).
    for (const [socketUser, received] of [
      [buyer, atA],
      [seller, atB],
    ] as const) {
      for (const { event } of received) {
        if (event.author?.id === socketUser.user.id)
          expect(event.clientMessageId).toEqual(expect.any(String));
        else expect(event).not.toHaveProperty("clientMessageId");
      }
    }
    expect(atOutsider).toEqual([]);
  });

  it("acks only after commit: the acked event is already readable over HTTP", async () => {
    const item = await listItem(server.url, seller);
    const socket = await socketFor(buyer);
    await join(socket, item.id);
    const { event } = await send(socket, item.id, "Is it still available?");
    const { body } = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${item.id}/events?after=1`,
      {
        token: seller.token,
      },
    );
    expect(body.events).toEqual([event]);
    expect(event).toMatchObject({ seq: 2, type: "text", body: { text: "Is it still available?" } });
  });

  it("resumes with afterSeq: a socket that missed messages gets exactly the missed ones", async () => {
    const item = await listItem(server.url, seller);
    const talker = await socketFor(seller);
    await join(talker, item.id);
    const first = await socketFor(buyer);
    const live = collect(first, "item:event");
    await join(first, item.id);
    await send(talker, item.id, "one");
    await eventually(() => expect(live.map((payload) => payload.event.seq)).toEqual([2]));
    first.disconnect();
    const missed = [await send(talker, item.id, "two"), await send(talker, item.id, "three")].map(
      (ack) => ack.event,
    );
    const back = await socketFor(buyer);
    const resumed = await join(back, item.id, 2);
    expect(resumed.events).toEqual(missed);
    const afterResume = collect(back, "item:event");
    await send(talker, item.id, "four");
    await eventually(() => expect(afterResume.map((payload) => payload.event.seq)).toEqual([5]));
  });

  it("writes a repeated clientMessageId once and acks the first event again", async () => {
    const item = await listItem(server.url, seller);
    const socket = await socketFor(buyer);
    await join(socket, item.id);
    const live = collect(socket, "item:event");
    const id = newClientMessageId();
    const acks = await Promise.all([send(socket, item.id, "hello", id), send(socket, item.id, "hello", id)]);
    const again = await send(socket, item.id, "hello (retry)", id);
    expect(acks[0].event).toEqual(acks[1].event);
    expect(again.event).toEqual(acks[0].event);
    const rows = await server.db.query("select seq from events where item_id = $1 and type = 'text'", [
      item.id,
    ]);
    expect(rows).toHaveLength(1);
    // A marker sent after: once it has arrived, any repeat of the first would have too.
    const marker = await send(socket, item.id, "marker");
    await eventually(() => expect(live.map((payload) => payload.event.seq)).toContain(marker.event.seq));
    expect(live.map((payload) => payload.event.seq)).toEqual([acks[0].event.seq, marker.event.seq]);
  });

  it("gives 50 concurrent sends from many sockets seqs with no gap and no duplicate", async () => {
    const item = await listItem(server.url, seller);
    const sockets = await Promise.all(Array.from({ length: 5 }, () => socketFor(buyer)));
    await Promise.all(sockets.map((socket) => join(socket, item.id)));
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(sockets[i % sockets.length]!, item.id, `burst ${i}`)),
    );
    expect(acks.map((ack) => ack.event.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 2),
    );
    const [row] = await server.db.query<{ count: number; max: number }>(
      "select count(*)::int as count, max(seq) as max from events where item_id = $1",
      [item.id],
    );
    expect(row).toEqual({ count: 51, max: 51 });
  });

  it("group-commits a burst across items: no gaps per item, duplicates written once, a refusal fails only itself", async () => {
    const items = await Promise.all([1, 2, 3].map(() => listItem(server.url, seller)));
    const removed = await listItem(server.url, seller);
    const moderator = await createModerator(server);
    const removal = await call(server.url, "POST", `/api/moderation/items/${removed.id}/remove`, {
      token: moderator.token,
      body: { reason: "test" },
    });
    expect(removal.status).toBe(200);
    const sockets = await Promise.all(Array.from({ length: 4 }, () => socketFor(buyer)));
    const repeated = newClientMessageId();
    const burst = Array.from({ length: 60 }, (_, i) =>
      request<{ event: ItemEvent }>(sockets[i % 4]!, "message:send", {
        itemId: items[i % 3]!.id,
        text: `burst ${i}`,
        clientMessageId: newClientMessageId(),
      }),
    );
    const twice = [0, 1].map(() =>
      request<{ event: ItemEvent }>(sockets[0]!, "message:send", {
        itemId: items[0]!.id,
        text: "once",
        clientMessageId: repeated,
      }),
    );
    const refused = request(sockets[1]!, "message:send", {
      itemId: removed.id,
      text: "too late",
      clientMessageId: newClientMessageId(),
    });
    const acks = await Promise.all(burst);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const [first, second] = await Promise.all(twice);
    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual(first);
    expect(await refused).toMatchObject({ ok: false, error: { code: "item_removed" } });
    for (const item of items) {
      const rows = await server.db.query<{ seq: number }>(
        "select seq from events where item_id = $1 order by seq",
        [item.id],
      );
      const expected = item.id === items[0]!.id ? 22 : 21;
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    }
    const once = await server.db.query("select 1 from events where client_message_id = $1", [repeated]);
    expect(once).toHaveLength(1);
  });

  it("answers malformed payloads with ok:false and a clear code, and stays healthy", async () => {
    const item = await listItem(server.url, seller);
    const socket = await socketFor(buyer);
    const cases: [string, unknown, string][] = [
      ["item:join", { itemId: "nope" }, "bad_request"],
      ["item:join", null, "bad_request"],
      ["item:join", { itemId: item.id, afterSeq: -1 }, "bad_request"],
      ["item:join", { itemId: "4f1c2a8e-0000-4000-8000-000000000000" }, "not_found"],
      ["message:send", { itemId: item.id, text: "", clientMessageId: "a" }, "bad_request"],
      ["message:send", { itemId: item.id, text: "x".repeat(2001), clientMessageId: "a" }, "bad_request"],
      ["message:send", { itemId: item.id, text: "hi" }, "bad_request"],
      ["message:send", { itemId: item.id, text: "hi", clientMessageId: "a", extra: 1 }, "bad_request"],
      ["message:send", { itemId: item.id, text: { $gt: "" }, clientMessageId: "b" }, "bad_request"],
      ["message:send", "just a string", "bad_request"],
      ["item:leave", {}, "bad_request"],
    ];
    for (const [event, payload, code] of cases) {
      const response = await request(socket, event, payload);
      expect(response, `${event} ${JSON.stringify(payload)?.slice(0, 60)}`).toMatchObject({
        ok: false,
        error: { code },
      });
    }
    // No ack function at all must not crash anything either.
    (socket as unknown as { emit: (event: string, payload: unknown) => void }).emit("message:send", {
      bogus: true,
    });
    expect((await call(server.url, "GET", "/api/health")).body).toEqual({ status: "ok" });
    expect((await send(socket, item.id, "still works")).event.seq).toBe(2);
  });

  it("leaves a room: no more live events", async () => {
    const item = await listItem(server.url, seller);
    const [listener, talker] = await Promise.all([socketFor(buyer), socketFor(seller)]);
    await Promise.all([join(listener, item.id), join(talker, item.id)]);
    const live = collect(listener, "item:event");
    expect(await requestOk(listener, "item:leave", { itemId: item.id })).toEqual({});
    const { event } = await send(talker, item.id, "anyone?");
    const talkerLive = collect(talker, "item:event");
    await send(talker, item.id, "marker");
    await eventually(() => expect(talkerLive).toHaveLength(1));
    expect(live.map((payload) => payload.event.seq)).not.toContain(event.seq);
    expect(live).toEqual([]);
  });

  it("tells every subscribed socket when an item is created", async () => {
    const socket = await socketFor(buyer);
    await subscribeItems(socket);
    const changes = collect(socket, "items:changed");
    const item = await listItem(server.url, seller);
    await eventually(() => expect(changes.map((change) => change.item)).toContainEqual(item));
  });

  it("gives a crowd joining at once each its own history and every later message once, and counts it", async () => {
    const item = await listItem(server.url, seller);
    for (let i = 1; i <= 5; i++) await send(await socketFor(seller), item.id, `before ${i}`);
    // Seqs 1 (item details) to 6. Twenty people join together, asking from different points.
    const people = await Promise.all(Array.from({ length: 20 }, () => signUp(server.url, "buyer")));
    const sockets = await Promise.all(people.map(socketFor));
    const presence = collect(sockets[0]!, "room:presence");
    const live = sockets.map((socket) => collect(socket, "item:event"));
    const during = send(await socketFor(seller), item.id, "during the joins");
    const joined = await Promise.all(sockets.map((socket, i) => join(socket, item.id, i % 7)));
    joined.forEach((result, i) => {
      expect(result.item.id).toBe(item.id);
      expect(result.events[0]?.seq ?? Number.POSITIVE_INFINITY).toBeGreaterThan(i % 7);
    });
    await during;
    await send(sockets[3]!, item.id, "after the joins");
    // History then live: seqs i % 7 + 1 to 8 exactly once each, in order, whatever the batch.
    await eventually(() =>
      joined.forEach((result, i) => {
        const seqs = [...result.events, ...live[i]!.map((payload) => payload.event)].map(
          (event) => event.seq,
        );
        expect(seqs).toEqual(Array.from({ length: 8 - (i % 7) }, (_, k) => (i % 7) + 1 + k));
      }),
    );
    const members = await server.db.query<{ count: number | string }>(
      "select count(*) as count from item_members where item_id = $1 and user_id = any($2::uuid[])",
      [item.id, people.map((person) => person.user.id)],
    );
    expect(Number(members[0]?.count)).toBe(20);
    await eventually(() => expect(presence.at(-1)).toEqual({ itemId: item.id, count: 20 }));
  });

  it("counts people in the room and relays typing to the others", async () => {
    const item = await listItem(server.url, seller);
    const [a, b] = await Promise.all([socketFor(buyer), socketFor(seller)]);
    const presence = collect(a, "room:presence");
    const typing = collect(b, "room:typing");
    await join(a, item.id);
    await join(b, item.id);
    await eventually(() => expect(presence.at(-1)).toEqual({ itemId: item.id, count: 2 }));
    await requestOk(a, "typing:set", { itemId: item.id, typing: true });
    await eventually(() =>
      expect(typing).toEqual([
        { itemId: item.id, user: { id: buyer.user.id, displayName: buyer.user.displayName }, typing: true },
      ]),
    );
    const outsider = await socketFor(buyer);
    expect(await request(outsider, "typing:set", { itemId: item.id, typing: true })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
  });
});
