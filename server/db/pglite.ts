import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import type { Db, Queryable } from "./db.js";

/** Embedded PostgreSQL in `dir` (in memory when `dir` is undefined). */
export async function openPglite(dir: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  // Search's extensions (migration 0020): a PostgreSQL server ships them as contrib modules.
  const extensions = { pg_trgm, unaccent, fuzzystrmatch };
  const pg = dir ? new PGlite(dir, { extensions }) : new PGlite({ extensions });
  await pg.waitReady;
  const wrap = (q: Pick<PGlite, "query">): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const result = await q.query<T>(sql, params);
      return result.rows;
    },
  });
  const root = wrap(pg);
  return {
    query: root.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
