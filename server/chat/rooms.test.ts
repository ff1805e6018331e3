import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomList } from "../../shared/rooms.js";
import { listItem, newClientMessageId, signUp } from "../../test/factories.js";
import { call } from "../../test/helpers/http.js";
import { startServer, type TestServer } from "../../test/helpers/server.js";
import { collect, connect, eventually, requestOk } from "../../test/helpers/sockets.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe("rooms and unread counts", () => {
  it("counts other people's events after the read mark, live and over HTTP", async () => {
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller);
    const sellerSocket = await connect(server.url, seller.token);
    const buyerSocket = await connect(server.url, buyer.token);
    try {
      await requestOk(sellerSocket, "item:join", { itemId: item.id });
      await requestOk(sellerSocket, "item:leave", { itemId: item.id });
      await call(server.url, "POST", `/api/me/rooms/${item.id}/read`, {
        token: seller.token,
        body: { seq: 1 },
      });
      const activity = collect(sellerSocket, "room:activity");
      await requestOk(buyerSocket, "item:join", { itemId: item.id });
      for (const text of ["hi", "still there?"]) {
        await requestOk(buyerSocket, "message:send", {
          itemId: item.id,
          text,
          clientMessageId: newClientMessageId(),
        });
      }
      await eventually(() => expect(activity.map((a) => a.seq)).toEqual([2, 3]));

      const rooms = await call<RoomList>(server.url, "GET", "/api/me/rooms", { token: seller.token });
      expect(rooms.status).toBe(200);
      expect(rooms.body.rooms).toHaveLength(1);
      expect(rooms.body.rooms[0]).toMatchObject({ lastReadSeq: 1, unread: 2, item: { id: item.id } });

      const read = await call(server.url, "POST", `/api/me/rooms/${item.id}/read`, {
        token: seller.token,
        body: { seq: 99 },
      });
      expect(read.body).toEqual({ lastReadSeq: 3 });
      const after = await call<RoomList>(server.url, "GET", "/api/me/rooms", { token: seller.token });
      expect(after.body.rooms[0]).toMatchObject({ lastReadSeq: 3, unread: 0 });

      // The buyer's own messages are never unread to them.
      const buyerRooms = await call<RoomList>(server.url, "GET", "/api/me/rooms", { token: buyer.token });
      expect(buyerRooms.body.rooms[0]).toMatchObject({ unread: 1 });
    } finally {
      sellerSocket.close();
      buyerSocket.close();
    }
  });

  it("tells a member's sockets outside the room, and only those, of other people's messages", async () => {
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller);
    const speak = (socket: Awaited<ReturnType<typeof connect>>, text: string) =>
      requestOk(socket, "message:send", { itemId: item.id, text, clientMessageId: newClientMessageId() });
    const sellerSocket = await connect(server.url, seller.token);
    const inRoom = await connect(server.url, buyer.token);
    // Connected before the join (made a member through the adapter) and after it (read at connect).
    const before = await connect(server.url, buyer.token);
    const sockets = [sellerSocket, inRoom, before];
    try {
      await requestOk(sellerSocket, "item:join", { itemId: item.id });
      await requestOk(inRoom, "item:join", { itemId: item.id });
      const after = await connect(server.url, buyer.token);
      sockets.push(after);
      await eventually(async () => {
        // `after` subscribes to its rooms once its connection's read is done: wait for its first activity.
        const probe = collect(after, "room:activity");
        await speak(sellerSocket, "are you there?");
        await eventually(() => expect(probe.length).toBeGreaterThan(0), 500);
      });
      const atRoom = collect(inRoom, "room:activity");
      const atBefore = collect(before, "room:activity");
      const atAfter = collect(after, "room:activity");
      const seq = (await speak(sellerSocket, "hello")) as { event: { seq: number } };
      await speak(inRoom, "my own words are not news to me");
      await eventually(() => {
        expect(atBefore.map((a) => a.seq)).toEqual([seq.event.seq]);
        expect(atAfter.map((a) => a.seq)).toEqual([seq.event.seq]);
      });
      // Leaving the room puts a socket among those told; joining it takes one out.
      await requestOk(inRoom, "item:leave", { itemId: item.id });
      await requestOk(after, "item:join", { itemId: item.id });
      const next = (await speak(sellerSocket, "still here")) as { event: { seq: number } };
      await eventually(() => {
        expect(atRoom.map((a) => a.seq)).toEqual([next.event.seq]);
        expect(atBefore.map((a) => a.seq)).toEqual([seq.event.seq, next.event.seq]);
      });
      expect(atAfter.map((a) => a.seq)).toEqual([seq.event.seq]);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });

  it("refuses a read mark on an item the user never joined", async () => {
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const item = await listItem(server.url, seller);
    const read = await call(server.url, "POST", `/api/me/rooms/${item.id}/read`, {
      token: buyer.token,
      body: { seq: 1 },
    });
    expect(read.status).toBe(404);
    expect((await call(server.url, "GET", "/api/me/rooms")).status).toBe(401);
  });
});
