import pg from "pg";
import { AppError } from "../../shared/errors.js";
import { type Db, type Queryable, statementName } from "./db.js";

// int8 (counts, sums) as numbers: every bigint we read is far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/** How long the database may take before a request gives up on it (see `DB_*_TIMEOUT_MS` in the README). */
export type DatabaseTimeouts = {
  /** Opening a connection, or waiting for a free one in the pool. */
  connectMs: number;
  /** The server cancels any statement running longer (`statement_timeout`). */
  statementMs: number;
  /** The client stops waiting for an answer (a black-holed network never sends one). */
  queryMs: number;
};

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 10_000, queryMs: 15_000 };

export type PostgresOptions = {
  /** A schema to create and use instead of `public`; tests give each server its own. */
  schema?: string;
  max?: number;
  timeouts?: DatabaseTimeouts;
};

/** Failures that say the database is unreachable or too slow, not that the request was wrong. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "57014", // query_canceled: statement_timeout
  "57P01", // admin_shutdown: pg_terminate_backend, a restart
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);
const UNAVAILABLE_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "not queryable",
  "Client was closed",
];

export function isUnavailable(error: unknown): boolean {
  if (error instanceof AppError) return error.code === "unavailable";
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return typeof message === "string" && UNAVAILABLE_MESSAGES.some((text) => message.includes(text));
}

/** The contract's 503: the caller may retry shortly. Anything else passes through unchanged. */
function translate(error: unknown): unknown {
  return isUnavailable(error)
    ? new AppError("unavailable", "The database is not answering; try again in a moment")
    : error;
}

/**
 * A pool of connections to a PostgreSQL server. A connection that dies (the server terminated it, the
 * network reset it) fails its query with 503 `unavailable` and is discarded; the next query opens a
 * fresh one. Nothing a dropped connection does can end the process.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (options.schema && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error("Invalid schema name");
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  if (options.schema) {
    const setup = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeouts.connectMs });
    await setup.connect();
    await setup.query(`create schema if not exists ${options.schema}`);
    await setup.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.queryMs,
    statement_timeout: timeouts.statementMs,
    // A transaction left open by a stuck request must not hold its row locks for ever.
    idle_in_transaction_session_timeout: timeouts.queryMs,
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's error (server restart, terminated backend): the pool discards it.
  pool.on("error", () => {});
  const run =
    (client: Pick<pg.Pool, "query">): Queryable["query"] =>
    async <T>(sql: string, params?: unknown[], options?: { prepared?: boolean }) => {
      try {
        const result = await client.query(
          options?.prepared
            ? { name: statementName(sql), text: sql, values: params }
            : { text: sql, values: params },
        );
        return result.rows as T[];
      } catch (error) {
        throw translate(error);
      }
    };
  return {
    query: run(pool),
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translate(error);
      }
      // A checked-out client has no listener of the pool's: its connection dying between two queries
      // would otherwise be an unhandled 'error' event. The failing query reports it; remember it so the
      // client is destroyed instead of returned to the pool.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        await client.query("begin");
        const result = await fn({ query: run(client) });
        await client.query("commit");
        return result;
      } catch (error) {
        if (!broken && !isUnavailable(error)) await client.query("rollback").catch(() => {});
        else broken ??= error instanceof Error ? error : new Error(String(error));
        throw translate(error);
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
