import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "./db.js";
import { statementName } from "./db.js";
import { openPglite } from "./pglite.js";

const open: Db[] = [];
const fresh = async () => {
  const db = await openPglite(undefined);
  open.push(db);
  await db.query(`create table notes (
    id serial primary key,
    key text not null unique,
    body jsonb,
    owner uuid,
    amount int8,
    at timestamptz,
    tags text[]
  )`);
  return db;
};
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

const INSERT = `insert into notes (key, body, owner, amount, at, tags) values ($1, $2, $3, $4, $5, $6)
  returning id, key, body, owner, amount, at, tags`;
const SELECT = "select id, key, body, owner, amount, at, tags from notes where key = $1";

describe("prepared statements on PGlite", () => {
  it("return the same rows, with the same types, as the same statement unprepared", async () => {
    const db = await fresh();
    const values = [
      { note: "é ✓", nested: { n: 1, list: [true, null] } },
      "8f2b7a52-7d2c-4c0e-9d39-3c7c2b1e4f11",
      9_007_199_254_740,
      new Date("2026-12-03T08:00:00.123Z"),
      ["a", "b,c", 'quote"d'],
    ];
    const inserted = await db.query(INSERT, ["one", ...values], { prepared: true });
    await db.query(INSERT, ["two", null, null, null, null, null], { prepared: true });

    for (const key of ["one", "two"]) {
      const prepared = await db.query(SELECT, [key], { prepared: true });
      const plain = await db.query(SELECT, [key]);
      expect(prepared).toEqual(plain);
    }
    const [one] = await db.query(SELECT, ["one"], { prepared: true });
    expect(inserted[0]).toEqual(one);
    expect(one).toEqual({
      id: 1,
      key: "one",
      body: values[0],
      owner: values[1],
      amount: values[2],
      at: values[3],
      tags: values[4],
    });
    expect(await db.query(SELECT, ["none"], { prepared: true })).toEqual([]);
  });

  it("raise the database's error with its code and constraint, and the next call works", async () => {
    const db = await fresh();
    await db.query(INSERT, ["same", null, null, null, null, null], { prepared: true });
    const error = await db
      .query(INSERT, ["same", null, null, null, null, null], { prepared: true })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "23505", constraint: "notes_key_key" });
    const [next] = await db.query<{ key: string }>(INSERT, ["other", null, null, null, null, null], {
      prepared: true,
    });
    expect(next?.key).toBe("other");
    expect(await db.query("select key from notes order by id")).toEqual([{ key: "same" }, { key: "other" }]);
  });

  it("run inside the transaction they are called in: seen there, undone by its rollback", async () => {
    const db = await fresh();
    const failure = await db
      .transaction(async (tx) => {
        await tx.query(INSERT, ["inside", null, null, null, null, null], { prepared: true });
        expect(await tx.query(SELECT, ["inside"], { prepared: true })).toHaveLength(1);
        throw new Error("roll back");
      })
      .catch((e: unknown) => e);
    expect(failure).toEqual(new Error("roll back"));
    expect(await db.query(SELECT, ["inside"], { prepared: true })).toEqual([]);
  });

  it("outside a transaction, wait for an open one to end and do not join it", async () => {
    const db = await fresh();
    let outsideDone = false;
    let outside: Promise<unknown> | undefined;
    await db
      .transaction(async (tx) => {
        await tx.query(INSERT, ["inside", null, null, null, null, null]);
        outside = db.query(INSERT, ["outside", null, null, null, null, null], { prepared: true }).then(() => {
          outsideDone = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(outsideDone).toBe(false);
        throw new Error("roll back");
      })
      .catch(() => {});
    await outside;
    expect(await db.query("select key from notes")).toEqual([{ key: "outside" }]);
  });
});

describe("vacuum on PGlite", () => {
  it("reclaims deleted rows' space, which new rows then reuse", async () => {
    const db = await fresh();
    const size = async () =>
      (await db.query<{ bytes: number }>("select pg_relation_size('notes') as bytes"))[0]!.bytes;
    const fill = (from: number) =>
      db.query(
        `insert into notes (key, body) select 'k' || i, '{"text": "a note of some length"}'::jsonb
         from generate_series($1::int, $1::int + 999) i`,
        [from],
      );
    await fill(0);
    const full = await size();
    await db.query("delete from notes");
    await db.vacuum?.();
    await fill(1000);
    expect(await size()).toBe(full);
    // Without a vacuum, the deleted rows' space stays taken: the same rows need as much again.
    await db.query("delete from notes");
    await fill(2000);
    expect(await size()).toBeGreaterThan(full);
  });

  it("sends prepared statements back to be planned for their tables' sizes of now", async () => {
    const db = await fresh();
    await db.query("create index notes_amount on notes (amount)");
    const BY_AMOUNT = "select id from notes where amount = $1";
    // Run often enough on the empty table to settle on one plan for any amount, which is then kept.
    for (let i = 0; i < 10; i++) await db.query(BY_AMOUNT, [i], { prepared: true });
    const plan = async () =>
      (await db.query<{ "QUERY PLAN": string }>(`explain execute ${statementName(BY_AMOUNT)}(5)`))
        .map((row) => row["QUERY PLAN"])
        .join("\n");
    const settled = await plan();
    await db.query(
      "insert into notes (key, amount) select 'k' || i, i % 5000 from generate_series(1, 100000) i",
    );
    expect(await plan()).toBe(settled);
    await db.vacuum?.();
    // Planned again, for 100,000 rows: the planner now expects hundreds with an amount, not a handful.
    const rowsOf = (text: string) => Number(/rows=(\d+)/.exec(text)?.[1]);
    expect(rowsOf(settled)).toBeLessThan(10);
    expect(rowsOf(await plan())).toBeGreaterThan(100);
  });
});
