/**
 * `npm run apikey:list`: every API key with its id, prefix, name, when it was made, last used and revoked;
 * never a key itself (only its hash is kept). Beside a running server on the embedded database, the server
 * answers (see `admin/operator.ts`).
 */
import { AppError } from "../../shared/errors.js";
import { OperatorError, withOperatorTasks } from "../admin/operator.js";
import { loadConfig } from "../config.js";
import type { ApiKeyListing } from "../integrations/api-keys.js";

/** A timestamp to the minute, in UTC, or a dash. */
const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—");

function table(keys: ApiKeyListing[]): string {
  const rows = [
    ["prefix", "name", "created", "last used", "revoked", "id"],
    ...keys.map((key) => [
      key.prefix,
      key.name,
      when(key.createdAt),
      when(key.lastUsedAt),
      when(key.revokedAt),
      key.id,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

try {
  const keys = await withOperatorTasks(loadConfig(), (tasks) => tasks.listApiKeys());
  if (keys.length === 0) console.log("No API keys yet. Make one with npm run apikey:create -- --name NAME");
  else console.log(table(keys));
} catch (error) {
  console.error(error instanceof OperatorError || error instanceof AppError ? error.message : error);
  process.exitCode = 1;
}
