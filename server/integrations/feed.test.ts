import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { cleanUpFeed, readFeed } from "./feed.js";

const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
let db: Db;

beforeAll(async () => {
  db = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 2 })
    : await openPglite(undefined);
  await migrate(db);
});

afterAll(async () => {
  if (schema) await db.query(`drop schema ${schema} cascade`);
  await db.close();
});

/** Positioned entries `from`..`to`, written `daysAgo` days ago. */
async function entries(from: number, to: number, daysAgo: number): Promise<void> {
  for (let position = from; position <= to; position++) {
    await db.query(
      `insert into outbox (type, resource_type, resource_id, data, position, created_at)
       values ('item.created', 'item', $1, '{}', $2, now() - make_interval(days => $3))`,
      [randomUUID(), position, daysAgo],
    );
  }
}

describe("the feed's clean-up", () => {
  it("deletes what is past retention and read by every reader, never the last position", async () => {
    await entries(1, 10, 100);
    await entries(11, 12, 1);
    // The webhooks reader has read to 6 only: 7..10 are kept although old.
    await db.query("update outbox_readers set position = 6");
    expect(await cleanUpFeed(db, 90)).toBe(6);
    const left = await db.query<{ position: string }>("select position from outbox order by position");
    expect(left.map((row) => Number(row.position))).toEqual([7, 8, 9, 10, 11, 12]);
    // Everything read and old: all of it goes but the last position, which the drain numbers on from.
    await db.query("update outbox_readers set position = 12");
    await db.query("update outbox set created_at = now() - interval '100 days'");
    expect(await cleanUpFeed(db, 90)).toBe(5);
    const [last] = await db.query<{ position: string }>("select position from outbox");
    expect(Number(last?.position)).toBe(12);
    expect((await readFeed(db, { after: 0, limit: 100 })).events.map((e) => e.position)).toEqual([12]);
  });
});
