import type { Role, User } from "../../shared/users.js";
import type { Queryable } from "../db/db.js";

export type UserRecord = User & {
  passwordHash: string;
  tokenVersion: number;
  suspendedAt: string | null;
  /** The moderator's reason, while suspended. */
  suspendedReason: string | null;
};

type UserRow = {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  token_version: number;
  suspended_at: Date | null;
  suspended_reason: string | null;
  created_at: Date;
};

const COLUMNS =
  "id, username, display_name, role, password_hash, token_version, suspended_at, suspended_reason, created_at";

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    passwordHash: row.password_hash,
    tokenVersion: row.token_version,
    suspendedAt: row.suspended_at?.toISOString() ?? null,
    suspendedReason: row.suspended_at ? row.suspended_reason : null,
  };
}

/** The public shape of a user: never the hash or token version. */
export function toUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    role: record.role,
    createdAt: record.createdAt,
  };
}

export async function insertUser(
  q: Queryable,
  user: { id: string; username: string; displayName: string; role: Role; passwordHash: string },
): Promise<UserRecord> {
  const [row] = await q.query<UserRow>(
    `insert into users (id, username, display_name, role, password_hash) values ($1, $2, $3, $4, $5) returning ${COLUMNS}`,
    [user.id, user.username, user.displayName, user.role, user.passwordHash],
  );
  return toRecord(row!);
}

export async function findUserByUsername(q: Queryable, username: string): Promise<UserRecord | null> {
  const [row] = await q.query<UserRow>(`select ${COLUMNS} from users where username = $1`, [username]);
  return row ? toRecord(row) : null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserRecord | null> {
  const [row] = await q.query<UserRow>(`select ${COLUMNS} from users where id = $1`, [id]);
  return row ? toRecord(row) : null;
}

/** A buyer starts selling; returns the updated user (null if there is none). */
export async function setRole(q: Queryable, id: string, role: "seller"): Promise<UserRecord | null> {
  const [row] = await q.query<UserRow>(`update users set role = $2 where id = $1 returning ${COLUMNS}`, [
    id,
    role,
  ]);
  return row ? toRecord(row) : null;
}

/** Revokes every token issued so far. */
export async function bumpTokenVersion(q: Queryable, id: string): Promise<void> {
  await q.query("update users set token_version = token_version + 1 where id = $1", [id]);
}

/** Users suspended now, the most recently suspended first. */
export async function listSuspendedUsers(q: Queryable, limit: number): Promise<UserRecord[]> {
  const rows = await q.query<UserRow>(
    `select ${COLUMNS} from users where suspended_at is not null order by suspended_at desc, id limit $1`,
    [limit],
  );
  return rows.map(toRecord);
}
