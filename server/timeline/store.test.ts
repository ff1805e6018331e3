import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { appendEvents, ITEM_EVENTS } from "./store.js";
import type { NewEvent } from "./timeline.js";

const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
let db: Db;
const seller = randomUUID();
const buyer = { id: randomUUID(), username: "", displayName: "Ann", role: "buyer" as const };
const [open, other, removed] = [randomUUID(), randomUUID(), randomUUID()];
const OPEN_ONLY = "not (o.status = 'removed')";

beforeAll(async () => {
  db = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 2 })
    : await openPglite(undefined);
  await migrate(db);
  buyer.username = `ann-${buyer.id.slice(0, 6)}`;
  for (const [id, name] of [
    [seller, `seller-${seller.slice(0, 6)}`],
    [buyer.id, buyer.username],
  ] as const) {
    await db.query(
      "insert into users (id, username, display_name, role, password_hash) values ($1, $2, $2, 'buyer', 'x')",
      [id, name],
    );
  }
  for (const [id, status] of [
    [open, "available"],
    [other, "sold"],
    [removed, "removed"],
  ] as const) {
    await db.query(
      `insert into items (id, seller_id, title, description, price_amount, price_currency, status, last_seq)
       values ($1, $2, 'Lamp', 'A lamp.', 1000, 'usd', $3, 1)`,
      [id, seller, status],
    );
  }
});

afterAll(async () => {
  await db.close();
});

const text = (words: string, clientMessageId?: string): NewEvent => ({
  type: "text",
  author: buyer,
  body: { text: words },
  ...(clientMessageId ? { clientMessageId } : {}),
});

const seqsOf = async (itemId: string) =>
  (await db.query<{ seq: number }>("select seq from events where item_id = $1 order by seq", [itemId])).map(
    (row) => row.seq,
  );

describe("appendEvents", () => {
  it("writes in the given order with the next seqs per owner, and announces each with its seq", async () => {
    const before = await seqsOf(open);
    const start = before.length === 0 ? 2 : Math.max(...before) + 1;
    const appended = await appendEvents(
      db,
      ITEM_EVENTS,
      [
        {
          ownerId: open,
          event: text("one"),
          announce: { type: "test.one", resource: { type: "item", id: open }, data: {} },
        },
        { ownerId: other, event: text("elsewhere") },
        { ownerId: open, event: text("two") },
      ],
      OPEN_ONLY,
    );
    expect(appended).toMatchObject([
      { event: { itemId: open, seq: start, body: { text: "one" } } },
      { event: { itemId: other, seq: 2, body: { text: "elsewhere" } } },
      { event: { itemId: open, seq: start + 1, body: { text: "two" } } },
    ]);
    const [item] = await db.query<{ last_seq: number }>("select last_seq from items where id = $1", [open]);
    expect(item?.last_seq).toBe(start + 1);
    const [entry] = await db.query<{ data: { seq: number } }>(
      "select data from outbox where type = 'test.one'",
    );
    expect(entry?.data.seq).toBe(start);
  });

  it("says which entries it skipped and why, and leaves no gap in the seqs", async () => {
    const stored = randomUUID();
    const [first] = await appendEvents(db, ITEM_EVENTS, [{ ownerId: open, event: text("first", stored) }]);
    expect(first).toHaveProperty("event");
    const again = randomUUID();
    const refusedFirst = randomUUID();
    const appended = await appendEvents(
      db,
      ITEM_EVENTS,
      [
        // A retry of a stored message, even to a room that has closed since, is a duplicate.
        { ownerId: removed, event: text("first (retry)", stored) },
        { ownerId: open, event: text("new", again) },
        // The same key again in one call, to another room: written once.
        { ownerId: other, event: text("new (retry)", again) },
        { ownerId: randomUUID(), event: text("nowhere") },
        { ownerId: removed, event: text("too late", refusedFirst) },
        // Its key was refused above, not written: this one is written.
        { ownerId: open, event: text("in time", refusedFirst) },
      ],
      OPEN_ONLY,
    );
    expect(appended.map((outcome) => ("event" in outcome ? outcome.event.body : outcome))).toEqual([
      { duplicate: true },
      { text: "new" },
      { duplicate: true },
      { refused: "missing" },
      { refused: "closed" },
      { text: "in time" },
    ]);
    const seqs = await seqsOf(open);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 2));
    expect(await seqsOf(removed)).toEqual([]);
  });

  it("writes to a closed owner when the caller does not restrict it (a system event)", async () => {
    const [outcome] = await appendEvents(db, ITEM_EVENTS, [
      { ownerId: removed, event: { type: "text", author: null, body: { text: "note" } } },
    ]);
    expect(outcome).toMatchObject({ event: { itemId: removed, seq: 2 } });
  });

  it("probes the owners' and the keys' indexes, however many items and events there are", async () => {
    // A marketplace's first thousands: enough that a scan of either table costs more than the append.
    const busy = randomUUID();
    await db.query(
      `insert into items (id, seller_id, title, description, price_amount, price_currency, status, last_seq)
       select case when n = 0 then $1::uuid else gen_random_uuid() end, $2, 'Lamp', 'A lamp.', 1000, 'usd',
              'available', case when n = 0 then 3000 else 0 end
         from generate_series(0, 2999) n`,
      [busy, seller],
    );
    await db.query(
      `insert into events (item_id, seq, type, author_id, body, client_message_id)
       select $1, n, 'text', $2, '{"text": "hi"}', 'key-' || n from generate_series(1, 3000) n`,
      [busy, buyer.id],
    );
    let statement: { sql: string; params: unknown[] } | undefined;
    const watched = {
      query: <T>(sql: string, params?: unknown[], options?: { prepared?: boolean }) => {
        statement = { sql, params: params ?? [] };
        return db.query<T>(sql, params, options);
      },
    };
    const [outcome] = await appendEvents(watched, ITEM_EVENTS, [
      { ownerId: busy, event: text("one more", randomUUID()) },
    ]);
    expect(outcome).toMatchObject({ event: { seq: 3001 } });

    const [row] = await db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${statement!.sql}`, [
      ...statement!.params,
    ]);
    const scans: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (node["Node Type"] === "Seq Scan") scans.push(String(node["Relation Name"]));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    const plan = row!["QUERY PLAN"];
    walk((typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan);
    expect(scans.filter((table) => table === "items" || table === "events")).toEqual([]);
  });
});
