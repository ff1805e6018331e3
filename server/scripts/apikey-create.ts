/**
 * `npm run apikey:create -- --name NAME`: a new API key for an integration (the feed and webhook endpoints,
 * nothing else), printed once; only its hash is kept. Beside a running server on the embedded database,
 * the server makes it (see `admin/operator.ts`).
 */
import { parseArgs } from "node:util";
import { AppError, fieldErrors } from "../../shared/errors.js";
import { ZAdminCreateApiKey } from "../admin/admin-socket.js";
import { OperatorError, withOperatorTasks } from "../admin/operator.js";
import { loadConfig } from "../config.js";

const USAGE = "Usage: npm run apikey:create -- --name NAME";

const { values } = parseArgs({ options: { name: { type: "string" } } });

try {
  const args = ZAdminCreateApiKey.safeParse({ name: values.name });
  if (!args.success) {
    console.error(USAGE);
    for (const error of fieldErrors(args.error)) console.error(`  ${error.path}: ${error.message}`);
    process.exit(2);
  }
  const apiKey = await withOperatorTasks(loadConfig(), (tasks) => tasks.createApiKey(args.data));
  console.error(
    `Created API key "${apiKey.name}" (id ${apiKey.id}, prefix ${apiKey.prefix}).\n` +
      "Copy it now: it is not shown again. Revoke it with npm run apikey:revoke -- " +
      `${apiKey.prefix}`,
  );
  // The key alone on standard output, so a script can capture it: KEY=$(npm run -s apikey:create -- --name x)
  console.log(apiKey.key);
} catch (error) {
  console.error(error instanceof OperatorError || error instanceof AppError ? error.message : error);
  process.exitCode = 1;
}
