import pg from "pg";
import type { Db, Queryable } from "./db.js";

// int8 (counts, sums) as numbers: every bigint we read is far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export type PostgresOptions = {
  /** A schema to create and use instead of `public`; tests give each server its own. */
  schema?: string;
  max?: number;
};

/** A pool of connections to a PostgreSQL server. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (options.schema && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error("Invalid schema name");
  if (options.schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`create schema if not exists ${options.schema}`);
    await setup.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const run =
    (client: Pick<pg.Pool, "query">): Queryable["query"] =>
    async <T>(sql: string, params?: unknown[]) => {
      const result = await client.query(sql, params);
      return result.rows as T[];
    };
  return {
    query: run(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await fn({ query: run(client) });
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
