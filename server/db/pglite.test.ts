import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "./db.js";
import { openPglite, type PlanLife } from "./pglite.js";

const open: Db[] = [];
const fresh = async (planLife?: PlanLife) => {
  const db = await openPglite(undefined, planLife ? { planLife } : {});
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

  it("are parsed and planned again after their plan's life, not on every call", async () => {
    const db = await fresh({ runs: 3, ms: 60_000 });
    const preparedAt = async () => {
      const rows = await db.query<{ at: Date }>(
        "select prepare_time as at from pg_prepared_statements where statement = $1",
        [SELECT],
      );
      expect(rows).toHaveLength(1);
      return rows[0]!.at.getTime();
    };
    await db.query(SELECT, ["a"], { prepared: true });
    const first = await preparedAt();
    await db.query(SELECT, ["a"], { prepared: true });
    await db.query(SELECT, ["a"], { prepared: true });
    expect(await preparedAt()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await db.query(SELECT, ["a"], { prepared: true });
    expect(await preparedAt()).toBeGreaterThan(first);
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
});
