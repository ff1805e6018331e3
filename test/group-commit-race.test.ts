import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertUser } from "../server/auth/store.js";
import type { Db } from "../server/db/db.js";
import { migrate } from "../server/db/migrate.js";
import { openPostgres } from "../server/db/postgres.js";
import { lockItems } from "../server/items/store.js";
import { GroupCommit, type KeyedEvent } from "../server/timeline/group-commit.js";
import { appendEvents, ITEM_EVENTS } from "../server/timeline/store.js";
import type { ItemEvent } from "../shared/events.js";
import { createTestDatabase, type TestDatabase } from "./helpers/processes.js";
import { eventually } from "./helpers/sockets.js";

/**
 * The same chat message written by two processes at once, at the moment that used to fail: this process's
 * statements each start (and read which keys are stored) while the other process holds the item with the
 * same key written and not yet committed, then wait for the item's lock. Always on the machine's
 * PostgreSQL server: the embedded PGlite has one connection, so nothing can race there.
 */
let database: TestDatabase;
let db: Db;
let other: Db;
const seller = randomUUID();
const buyer = {
  id: randomUUID(),
  username: `ann-${randomUUID().slice(0, 8)}`,
  displayName: "Ann",
  role: "buyer" as const,
};
const itemId = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openPostgres(database.url, { max: 2 });
  other = await openPostgres(database.url, { max: 2 });
  await migrate(db);
  await insertUser(db, {
    id: seller,
    username: `seller-${seller.slice(0, 8)}`,
    displayName: "Sam",
    role: "seller",
    passwordHash: "x",
  });
  await insertUser(db, { ...buyer, passwordHash: "x" });
  await db.query(
    `insert into items (id, seller_id, title, description, price_amount, price_currency, status, last_seq)
     values ($1, $2, 'Lamp', 'A lamp.', 1000, 'usd', 'available', 0)`,
    [itemId, seller],
  );
});

afterAll(async () => {
  await db?.close();
  await other?.close();
  await database?.drop();
});

const message = (clientMessageId: string): KeyedEvent => ({
  type: "text",
  author: buyer,
  body: { text: `message ${clientMessageId.slice(0, 8)}` },
  clientMessageId,
});

/**
 * The other process: writes `key` to the item in a transaction that holds the item's row, and commits it
 * once this process's statement waits for that row, so the statement began before the commit.
 */
async function racedBy<T>(key: string, statement: () => Promise<T>): Promise<T> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let otherCommit: Promise<void> = Promise.resolve();
  await new Promise<void>((written) => {
    otherCommit = other.transaction(async (tx) => {
      await appendEvents(tx, ITEM_EVENTS, [{ ownerId: itemId, event: message(key) }]);
      written();
      await held;
    });
  });
  const ours = statement();
  // Its failure (the collision) goes to the group commit below; meanwhile it is not an unhandled rejection.
  ours.catch(() => {});
  await eventually(async () => {
    const [waiting] = await database.query<{ count: number }>(
      "select count(*)::int as count from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    expect(waiting?.count).toBe(1);
  });
  release();
  await otherCommit;
  return ours;
}

describe("group commit against another process writing the same keys", () => {
  it("answers both messages with the other process's events, though its single retry collides again", async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    // The keyed statements this process sends, in order: the batch of two, then one by one.
    const raceOn = new Map<number, string>([
      [1, first], // the batch collides on the first key…
      [3, second], // …and then the second key's own statement collides too.
    ]);
    let statements = 0;
    const watched: Db = {
      ...db,
      query<T>(sql: string, params?: unknown[], options?: { prepared?: boolean }): Promise<T[]> {
        // The chat statement (`appendEvents`), told from the others by its input's columns.
        if (!sql.includes("jsonb_to_recordset($1::jsonb) as x(n int"))
          return db.query<T>(sql, params, options);
        const key = raceOn.get(++statements);
        const run = () => db.query<T>(sql, params, options);
        return key ? racedBy(key, run) : run();
      },
    };
    const published: ItemEvent[] = [];
    const commit = new GroupCommit<ItemEvent, unknown>(
      watched,
      {
        kind: ITEM_EVENTS,
        lock: lockItems,
        missing: "No such item",
        announce: (id) => ({ type: "message.created", resource: { type: "item", id }, data: {} }),
      },
      (events) => published.push(...events),
      async () => {},
    );

    const [a, b] = await Promise.all([
      commit.append(itemId, message(first)),
      commit.append(itemId, message(second)),
    ]);

    expect(statements).toBe(4);
    expect(a).toMatchObject({ duplicate: true, event: { seq: 1, clientMessageId: first } });
    expect(b).toMatchObject({ duplicate: true, event: { seq: 2, clientMessageId: second } });
    expect(published).toEqual([]);
    const rows = await db.query<{ seq: number; client_message_id: string }>(
      "select seq, client_message_id from events where item_id = $1 order by seq",
      [itemId],
    );
    expect(rows).toEqual([
      { seq: 1, client_message_id: first },
      { seq: 2, client_message_id: second },
    ]);
  });
});
