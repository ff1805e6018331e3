import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { checkout, confirm, itemOf } from "./helpers/payments.js";
import {
  type Cluster,
  createModeratorWithScript,
  type ServerProcess,
  startCluster,
  startServerProcess,
  stopCluster,
  type TestDatabase,
} from "./helpers/processes.js";
import {
  collect,
  connect,
  eventually,
  joinItem as join,
  request,
  sendMessage as send,
  subscribeItems,
} from "./helpers/sockets.js";

// Two real server processes sharing the machine's PostgreSQL (a fresh database) and Redis.
let cluster: Cluster;
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startCluster();
  ({ database, a, b } = cluster);
});
afterAll(() => stopCluster(cluster));

const socketOn = (server: ServerProcess, session: Session) => cluster.socketOn(server, session);

const seqsOf = (received: { event: ItemEvent }[]) => received.map((payload) => payload.event.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("two server processes, one marketplace", () => {
  it("delivers messages sent on either process to the room on both, once each, in seq order", async () => {
    const seller = await signUp(a.url, "seller");
    const buyer = await signUp(b.url, "buyer");
    const item = await listItem(a.url, seller);
    const [onA, onB] = await Promise.all([socketOn(a, buyer), socketOn(b, seller)]);
    await Promise.all([join(onA, item.id), join(onB, item.id)]);
    const atA = collect(onA, "item:event");
    const atB = collect(onB, "item:event");
    // Both processes write to the same item at once: the row lock orders the commits, the sequencer the deliveries.
    await Promise.all(range(1, 40).map((i) => send(i % 2 === 0 ? onA : onB, item.id, `message ${i}`)));
    await eventually(() => {
      expect(seqsOf(atA)).toEqual(range(2, 41));
      expect(seqsOf(atB)).toEqual(range(2, 41));
    });
  });

  it("writes a message retried on both processes at once once, and answers both with it", async () => {
    const seller = await signUp(a.url, "seller");
    const buyer = await signUp(a.url, "buyer");
    const item = await listItem(a.url, seller);
    const [onA, onB] = await Promise.all([socketOn(a, buyer), socketOn(b, buyer)]);
    // The item's row held here, so both processes' batches wait for it with the same keys in them, each
    // having looked for the keys before the other wrote them: one writes, the other collides and then
    // writes or finds each message one by one.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from items where id = $1 for update", [item.id]);
      const keys = range(1, 10).map(() => newClientMessageId());
      const sent = Promise.all(
        keys.flatMap((key, i) => [
          send(onA, item.id, `retried ${i}`, key),
          send(onB, item.id, `retried ${i}`, key),
          send(i % 2 === 0 ? onA : onB, item.id, `other ${i}`),
        ]),
      );
      await eventually(async () => {
        const [waiting] = await database.query<{ count: number }>(
          "select count(*)::int as count from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        expect(waiting?.count).toBe(2);
      });
      await holder.query("commit");
      const acks = await sent;
      for (const [i] of keys.entries()) expect(acks[3 * i]!.event).toEqual(acks[3 * i + 1]!.event);
    } finally {
      await holder.end();
    }
    const rows = await database.query<{ seq: number }>(
      "select seq from events where item_id = $1 order by seq",
      [item.id],
    );
    expect(rows.map((row) => row.seq)).toEqual(range(1, 21));
  });

  it("broadcasts items:changed from one process to sockets on the other", async () => {
    const seller = await signUp(a.url, "seller");
    const watcher = await socketOn(b, await signUp(b.url, "buyer"));
    await subscribeItems(watcher);
    const changed = collect(watcher, "items:changed");
    const item = await listItem(a.url, seller, { title: "Listed on A" });
    await eventually(() => expect(changed.map((payload) => payload.item.id)).toContain(item.id));
  });

  it("counts presence across processes", async () => {
    const seller = await signUp(a.url, "seller");
    const buyer = await signUp(b.url, "buyer");
    const item = await listItem(a.url, seller);
    const onA = await socketOn(a, seller);
    const presence = collect(onA, "room:presence");
    await join(onA, item.id);
    await join(await socketOn(b, buyer), item.id);
    await eventually(() => expect(presence.at(-1)).toEqual({ itemId: item.id, count: 2 }));
  });

  it("signs a user out everywhere: a sign-out on one process disconnects their socket on the other", async () => {
    const buyer = await signUp(a.url, "buyer");
    const onB = await socketOn(b, buyer);
    const disconnected = new Promise<string>((resolve) =>
      onB.once("disconnect", (reason) => resolve(reason)),
    );
    expect((await call(a.url, "POST", "/api/auth/logout", { token: buyer.token })).status).toBe(200);
    expect(await disconnected).toBe("io server disconnect");
    await expect(connect(b.url, buyer.token)).rejects.toThrow("unauthorized");
  });

  it("shows an item sold through one process as sold on the other, live and over HTTP", async () => {
    const seller = await signUp(a.url, "seller");
    const buyer = await signUp(a.url, "buyer");
    const item = await listItem(a.url, seller);
    const watcher = await socketOn(b, seller);
    await join(watcher, item.id);
    const changed = collect(watcher, "items:changed");
    const events = collect(watcher, "item:event");
    const { status, body } = await checkout(a.url, buyer, item.id);
    expect(status).toBe(201);
    expect((await confirm(a.url, buyer, body.payment.id)).status).toBe(200);
    await eventually(() => {
      expect(changed.filter((payload) => payload.item.id === item.id).at(-1)?.item.status).toBe("sold");
      expect(events.map((payload) => payload.event.type)).toContain("custom:payment");
    });
    expect((await itemOf(b.url, item.id)).status).toBe("sold");
  });

  it("disconnects a user suspended on one process from the other", async () => {
    const moderator = await createModeratorWithScript(database.url, a.url);
    const buyer = await signUp(a.url, "buyer");
    const onB = await socketOn(b, buyer);
    const disconnected = new Promise<string>((resolve) =>
      onB.once("disconnect", (reason) => resolve(reason)),
    );
    const suspended = await call(a.url, "POST", `/api/moderation/users/${buyer.user.id}/suspend`, {
      token: moderator.token,
      body: { reason: "fraud" },
    });
    expect(suspended.status).toBe(200);
    expect(await disconnected).toBe("io server disconnect");
    expect((await call(b.url, "GET", "/api/me", { token: buyer.token })).status).toBe(401);
    await expect(connect(b.url, buyer.token)).rejects.toThrow("unauthorized");
  });
});

describe("a process killed while clients send", () => {
  it("keeps every acked message, delivers the rest on rejoin and live elsewhere, none twice", async () => {
    const seller = await signUp(a.url, "seller");
    const buyer = await signUp(b.url, "buyer");
    const item = await listItem(a.url, seller);
    const watcher = await socketOn(a, seller);
    await join(watcher, item.id);
    const watched = collect(watcher, "item:event");

    const senders = await Promise.all(range(1, 4).map(() => socketOn(b, buyer)));
    const acked = new Map<string, number>();
    const unacked: ReturnType<typeof newClientMessageId>[] = [];
    const liveAt = senders.map((socket) => collect(socket, "item:event"));
    await Promise.all(senders.map((socket) => join(socket, item.id)));
    let killed = false;
    const loops = senders.map(async (socket) => {
      while (!killed) {
        const clientMessageId = newClientMessageId();
        // A send in flight when the process dies gets no ack: the disconnect ends the wait.
        const response = await Promise.race([
          request<{ event: ItemEvent }>(socket, "message:send", {
            itemId: item.id,
            text: "while the server dies",
            clientMessageId,
          }).catch(() => null),
          new Promise<null>((resolve) => socket.once("disconnect", () => resolve(null))),
        ]);
        if (response?.ok) acked.set(clientMessageId, response.data.event.seq);
        else {
          unacked.push(clientMessageId);
          return;
        }
      }
    });
    await eventually(() => expect(acked.size).toBeGreaterThanOrEqual(40), 20_000);
    await b.kill();
    killed = true;
    await Promise.all(loops);

    // Every acked message is committed, with the seq it was acked with.
    const rows = await database.query<{ seq: number; client_message_id: string | null }>(
      "select seq, client_message_id from events where item_id = $1 order by seq",
      [item.id],
    );
    const stored = new Map(rows.map((row) => [row.client_message_id, row.seq]));
    for (const [clientMessageId, seq] of acked) expect(stored.get(clientMessageId)).toBe(seq);
    expect(rows.map((row) => row.seq)).toEqual(range(1, rows.length));

    // The cluster stops the new one at the end.
    b = cluster.b = await startServerProcess(cluster.env);
    // A client resends what was never acked with the same id: written at most once in all.
    const again = await socketOn(b, buyer);
    for (const clientMessageId of unacked)
      await send(again, item.id, "while the server dies", clientMessageId);
    const total = await database.query<{ n: number }>(
      "select count(*)::int as n from events where item_id = $1",
      [item.id],
    );
    expect(total[0]?.n).toBe(1 + new Set([...acked.keys(), ...unacked]).size);
    const lastSeq = total[0]?.n ?? 0;

    // Each sender rejoins after the last seq it saw live (contiguously) and ends with every seq once.
    for (const live of liveAt) {
      const seen = seqsOf(live);
      expect(seen).toEqual(range(2, 1 + seen.length));
      const rejoin = await socketOn(b, buyer);
      const { events } = await join(rejoin, item.id, 1 + seen.length);
      expect([...seen, ...events.map((event) => event.seq)]).toEqual(range(2, lastSeq));
    }
    // The process that stayed up delivers everything once, in order, including what the dead one
    // committed but never published (read from the database when the next seq showed the gap).
    await send(again, item.id, "after the restart");
    await eventually(() => expect(seqsOf(watched)).toEqual(range(2, lastSeq + 1)), 10_000);
  });
});
