/**
 * `npm run apikey:revoke -- <id or prefix>`: the key stops working at its next request. Beside a running
 * server on the embedded database, the server revokes it (see `admin/operator.ts`).
 */
import { parseArgs } from "node:util";
import { AppError, fieldErrors } from "../../shared/errors.js";
import { ZAdminRevokeApiKey } from "../admin/admin-socket.js";
import { OperatorError, withOperatorTasks } from "../admin/operator.js";
import { loadConfig } from "../config.js";

const USAGE = "Usage: npm run apikey:revoke -- <id or prefix, as apikey:create printed them>";

const { positionals } = parseArgs({ allowPositionals: true, options: {} });

try {
  const args = ZAdminRevokeApiKey.safeParse({ key: positionals[0] });
  if (!args.success || positionals.length !== 1) {
    console.error(USAGE);
    if (!args.success)
      for (const error of fieldErrors(args.error)) console.error(`  ${error.path}: ${error.message}`);
    process.exit(2);
  }
  const apiKey = await withOperatorTasks(loadConfig(), (tasks) => tasks.revokeApiKey(args.data));
  console.log(`Revoked API key "${apiKey.name}" (id ${apiKey.id}, prefix ${apiKey.prefix})`);
} catch (error) {
  console.error(error instanceof OperatorError || error instanceof AppError ? error.message : error);
  process.exitCode = 1;
}
