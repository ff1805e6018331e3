import { randomBytes, randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Bus, type OutboxEntry } from "../bus.js";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { createOutbox, writeOutbox } from "./outbox.js";
import { createOutboxReaders, matchesTypes, type OutboxReader } from "./readers.js";

/** Readers on a real database; each "process" has its own bus, outbox and (on a server) connection pool. */
const logger = pino({ level: "silent" });
const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
const pools: Db[] = [];
let db: Db;

async function openDb(): Promise<Db> {
  const opened = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 5 })
    : await openPglite(undefined);
  pools.push(opened);
  return opened;
}

/** Another process's way in to the same database: its own pool on a server; PGlite has only the one. */
async function anotherConnection(): Promise<Db> {
  return process.env.DATABASE_URL ? openDb() : db;
}

beforeAll(async () => {
  db = await openDb();
  await migrate(db);
  await db.query("create table handled (reader text, position bigint, primary key (reader, position))");
});

afterAll(async () => {
  for (const pool of pools) await pool.close();
});

/** A reader whose row starts at the outbox's end now; it records what it handles (twice would fail). */
async function reader(types?: string[]): Promise<OutboxReader & { seen: OutboxEntry[] }> {
  const name = `r_${randomUUID().slice(0, 8)}`;
  await db.query(
    "insert into outbox_readers (name, position) select $1, coalesce(max(position), 0) from outbox",
    [name],
  );
  const seen: OutboxEntry[] = [];
  return {
    name,
    seen,
    ...(types ? { types } : {}),
    async handle(tx, entries) {
      for (const entry of entries) {
        await tx.query("insert into handled (reader, position) values ($1, $2)", [name, entry.position]);
      }
    },
    afterCommit: (entries) => seen.push(...entries),
  };
}

async function announce(on: Db, count: number, type = "item.updated"): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () =>
      on.transaction((tx) =>
        writeOutbox(tx, { type, resource: { type: "item", id: randomUUID() }, data: {} }),
      ),
    ),
  );
}

async function handledBy(name: string): Promise<number[]> {
  const rows = await db.query<{ position: string }>(
    "select position from handled where reader = $1 order by position",
    [name],
  );
  return rows.map((row) => Number(row.position));
}

describe("outbox readers", () => {
  it("hand every entry to a reader once, across two processes racing, in position order", async () => {
    const other = await anotherConnection();
    const shared = await reader();
    const processes = [db, other].map((on) => {
      const bus = new Bus();
      const readers = createOutboxReaders({ db: on, bus, logger });
      readers.add(shared);
      return { outbox: createOutbox({ db: on, bus, logger }), readers };
    });
    const [top] = await db.query<{ top: string | null }>("select max(position) as top from outbox");
    const start = Number(top?.top ?? 0);
    for (let round = 0; round < 3; round++) {
      await Promise.all([announce(db, 10), announce(other, 10)]);
      await Promise.all(processes.flatMap(({ outbox, readers }) => [outbox.drain(), readers.run()]));
    }
    await Promise.all(processes.map(({ outbox }) => outbox.drain()));
    await Promise.all(processes.map(({ readers }) => readers.run()));
    const positions = await handledBy(shared.name);
    expect(positions).toEqual(Array.from({ length: 60 }, (_, i) => start + i + 1));
    // Each process heard of what it handled after commit; together, everything once.
    expect(shared.seen.map((entry) => entry.position).sort((a, b) => a - b)).toEqual(positions);
  });

  it("leaves its position where it was when handling fails, and handles those entries at the next run", async () => {
    const bus = new Bus();
    const readers = createOutboxReaders({ db, bus, logger });
    const flaky = await reader();
    let failures = 1;
    readers.add({
      ...flaky,
      async handle(tx, entries) {
        await flaky.handle(tx, entries);
        if (failures-- > 0) throw new Error("the reader's work failed");
      },
    });
    await announce(db, 3);
    await createOutbox({ db, bus, logger }).drain();
    await readers.run();
    await readers.run();
    // The failed attempt wrote nothing (its transaction rolled back); the retry wrote each entry once.
    expect(failures).toBeLessThan(0);
    expect(await handledBy(flaky.name)).toHaveLength(3);
    const [row] = await db.query<{ position: string }>(
      "select position from outbox_readers where name = $1",
      [flaky.name],
    );
    const [top] = await db.query<{ top: string }>("select max(position) as top from outbox");
    expect(row?.position).toBe(top?.top);
  });

  it("hands a reader only the types it asked for, and still moves past the others", async () => {
    const bus = new Bus();
    const readers = createOutboxReaders({ db, bus, logger });
    const deals = await reader(["deal.*", "item.sold", "user.email_verification"]);
    readers.add(deals);
    await announce(db, 2, "item.updated");
    await announce(db, 1, "deal.paid");
    await announce(db, 1, "item.sold");
    // Neither a prefix's neighbour nor a name with another character where `_` is (a `like` wildcard).
    await announce(db, 1, "dealer.x");
    await announce(db, 1, "user.emailXverification");
    await announce(db, 1, "user.email_verification");
    await createOutbox({ db, bus, logger }).drain();
    await readers.run();
    expect(deals.seen.map((entry) => entry.type).sort()).toEqual([
      "deal.paid",
      "item.sold",
      "user.email_verification",
    ]);
    const [position] = await db.query<{ position: string }>(
      "select position from outbox_readers where name = $1",
      [deals.name],
    );
    const [top] = await db.query<{ top: string }>("select max(position) as top from outbox");
    expect(position?.position).toBe(top?.top);
    expect(matchesTypes(["deal.*"], "dealer.x")).toBe(false);
    expect(matchesTypes(undefined, "anything")).toBe(true);
  });

  it("wakes after a drain only the readers that want one of its entries; a run moves every reader", async () => {
    const bus = new Bus();
    const readers = createOutboxReaders({ db, bus, logger });
    const everything = await reader();
    const deals = await reader(["deal.*"]);
    readers.add(everything);
    readers.add(deals);
    const positionOf = async (name: string) =>
      Number(
        (
          await db.query<{ position: string }>("select position from outbox_readers where name = $1", [name])
        )[0]?.position,
      );
    const before = await positionOf(deals.name);
    await announce(db, 2, "item.updated");
    await createOutbox({ db, bus, logger }).drain();
    await vi.waitFor(() => expect(everything.seen).toHaveLength(2), { timeout: 5_000 });
    // The deals reader was not woken: no transaction of its own for entries it would skip.
    expect(await positionOf(deals.name)).toBe(before);
    await readers.run();
    expect(await positionOf(deals.name)).toBe(await positionOf(everything.name));
    expect(deals.seen).toEqual([]);
  });
});
