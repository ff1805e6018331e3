import { createHash, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../shared/errors.js";
import type { Queryable } from "../db/db.js";

/**
 * API keys: an operator's integrations read the feed and manage webhook endpoints with one
 * (`Authorization: Bearer parley_…`), and do nothing else. A key is 32 random bytes after a recognizable
 * prefix (secret scanners and people can tell what it is); only its SHA-256 is stored, which is enough for
 * a key of that entropy (no password stretching needed), and it is shown once, when created.
 */
export const API_KEY_PREFIX = "parley_";
/** How much of a key names it in listings and to `apikey:revoke` (`parley_` and 8 characters). */
const SHOWN_LENGTH = API_KEY_PREFIX.length + 8;

export type ApiKeyRef = { id: string; name: string; prefix: string };

export const ZApiKeyName = z
  .string({ error: "Name the key (--name shipping)" })
  .trim()
  .min(1, "Name the key (--name shipping)")
  .max(80, "Keep the name under 80 characters");

/** Whether a bearer token is an API key (rather than a session's JWT). */
export const isApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);

const hashOf = (key: string) => createHash("sha256").update(key).digest("hex");

/** Makes a key; answers it in full once. */
export async function createApiKey(q: Queryable, name: string): Promise<ApiKeyRef & { key: string }> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const ref = { id: randomUUID(), name, prefix: key.slice(0, SHOWN_LENGTH) };
  await q.query("insert into api_keys (id, name, prefix, key_hash) values ($1, $2, $3, $4)", [
    ref.id,
    ref.name,
    ref.prefix,
    hashOf(key),
  ]);
  return { ...ref, key };
}

/**
 * Revokes the key named by its id, its prefix (as `apikey:create` printed it) or the whole key; from the
 * next request on it is refused. Revoking twice says so.
 */
export async function revokeApiKey(q: Queryable, which: string): Promise<ApiKeyRef> {
  const column = z.uuid().safeParse(which).success
    ? "id"
    : which.length > SHOWN_LENGTH && isApiKey(which)
      ? "key_hash"
      : "prefix";
  const value = column === "key_hash" ? hashOf(which) : which;
  const [row] = await q.query<{ id: string; name: string; prefix: string; revoked_at: Date | null }>(
    `select id, name, prefix, revoked_at from api_keys where ${column} = $1 for update`,
    [value],
  );
  if (!row) throw new AppError("not_found", `No API key has the id or prefix "${which}"`);
  if (row.revoked_at)
    throw new AppError("conflict", `The key ${row.prefix}… ("${row.name}") is already revoked`);
  await q.query("update api_keys set revoked_at = now() where id = $1", [row.id]);
  return { id: row.id, name: row.name, prefix: row.prefix };
}

/** A key as `apikey:list` shows it: never the key itself (only its hash is kept). */
export type ApiKeyListing = ApiKeyRef & {
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

/** Every key, oldest first, revoked ones too (with when). */
export async function listApiKeys(q: Queryable): Promise<ApiKeyListing[]> {
  const rows = await q.query<{
    id: string;
    name: string;
    prefix: string;
    created_at: Date;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>("select id, name, prefix, created_at, last_used_at, revoked_at from api_keys order by created_at, id");
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
}

/** The key a bearer token is, or `unauthorized` (unknown or revoked). Notes its use at most once a minute. */
export async function authenticateApiKey(q: Queryable, key: string): Promise<ApiKeyRef> {
  const [row] = await q.query<{ id: string; name: string; prefix: string; revoked_at: Date | null }>(
    "select id, name, prefix, revoked_at from api_keys where key_hash = $1",
    [hashOf(key)],
  );
  if (!row) throw new AppError("unauthorized", "Unknown API key");
  if (row.revoked_at) throw new AppError("unauthorized", "This API key was revoked");
  await q.query(
    `update api_keys set last_used_at = now()
     where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
    [row.id],
  );
  return { id: row.id, name: row.name, prefix: row.prefix };
}
