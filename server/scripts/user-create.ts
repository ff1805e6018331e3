/** `npm run user:create -- --username NAME --password PASS --role moderator`: an operator creates any account. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { fieldErrors } from "../../shared/errors.js";
import { ZPassword, ZRole, ZUsername } from "../../shared/users.js";
import { createAuthService } from "../auth/service.js";
import { createTokenSigner } from "../auth/tokens.js";
import { Bus } from "../bus.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/open.js";

const ZArgs = z.strictObject({
  username: ZUsername,
  password: ZPassword,
  role: ZRole,
  "display-name": z.string().trim().min(1).max(64).optional(),
});

const { values } = parseArgs({
  options: {
    username: { type: "string" },
    password: { type: "string" },
    role: { type: "string", default: "moderator" },
    "display-name": { type: "string" },
  },
});
const args = ZArgs.safeParse(values);
if (!args.success) {
  console.error(
    "Usage: npm run user:create -- --username NAME --password PASS [--role moderator|seller|buyer]",
  );
  for (const error of fieldErrors(args.error)) console.error(`  --${error.path}: ${error.message}`);
  process.exit(2);
}

const config = loadConfig();
const db = await openDatabase(config);
try {
  const auth = createAuthService({
    db,
    tokens: createTokenSigner(config.jwtSecret, config.jwtTtlSeconds),
    bus: new Bus(),
  });
  const { username, password, role } = args.data;
  const displayName = args.data["display-name"];
  const user = await auth.createUser({ username, password, role, ...(displayName ? { displayName } : {}) });
  console.log(`Created ${user.role} ${user.username} (${user.id})`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
