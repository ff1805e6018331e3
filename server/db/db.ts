import { createHash } from "node:crypto";

/** Anything that runs SQL: the database itself or one open transaction. */
export interface Queryable {
  /**
   * With `prepared`, the database keeps the statement parsed and planned (a server per connection, the
   * embedded PGlite once), named by its text, and runs it again from there: for a hot statement whose
   * planning costs as much as running it.
   */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: { prepared?: boolean },
  ): Promise<T[]>;
}

/** The one store interface; the embedded PGlite and a PostgreSQL server both implement it. */
export interface Db extends Queryable {
  /** Runs `fn` in one transaction; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Reclaims the dead row versions updates and deletes leave, and refreshes the table sizes prepared
   * statements were planned for, where nothing else does: the embedded PGlite has no autovacuum, so the
   * app runs this on a timer (a server's autovacuum does it itself).
   */
  vacuum?(): Promise<void>;
  close(): Promise<void>;
}

/** Prepared statements' names by their text: the same text always gets the same one, on every connection. */
const statementNames = new Map<string, string>();

/** A prepared statement's name, hashed once per text (not on every call of a hot statement). */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `parley_${createHash("sha256").update(sql).digest("hex").slice(0, 32)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** PostgreSQL's unique_violation, raised by both drivers as `code`. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code !== "23505") return false;
  return constraint === undefined || e.constraint === constraint || String(e.message).includes(constraint);
}

/** PostgreSQL's deadlock_detected: the server aborted this transaction to break a lock cycle. */
export function isDeadlock(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "40P01";
}
