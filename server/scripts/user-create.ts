/**
 * `npm run user:create -- --username NAME [--role moderator|seller|buyer] [--display-name NAME]`: an operator
 * creates any account. The password is asked for (hidden) on a terminal, or read from the first line of
 * standard input (`printf '%s\n' "$PASS" | npm run user:create -- …`); `--password PASS` still works but
 * leaves it in the shell history and the process list. Beside a running server on the embedded database,
 * the server creates the account (see `admin/operator.ts`).
 */
import { parseArgs } from "node:util";
import { AppError, fieldErrors } from "../../shared/errors.js";
import { ZAdminCreateUser } from "../admin/admin-socket.js";
import { OperatorError, withOperatorTasks } from "../admin/operator.js";
import { loadConfig } from "../config.js";

const USAGE =
  "Usage: npm run user:create -- --username NAME [--role moderator|seller|buyer] [--display-name NAME]\n" +
  "The password is asked for on a terminal, or read from the first line of standard input.";

const { values } = parseArgs({
  options: {
    username: { type: "string" },
    password: { type: "string" },
    role: { type: "string", default: "moderator" },
    "display-name": { type: "string" },
  },
});

try {
  if (values.password !== undefined) {
    console.error(
      "Warning: --password is visible in the process list and shell history; omit it to be asked.",
    );
  }
  const password = values.password ?? (await readPassword());
  const args = ZAdminCreateUser.safeParse({
    username: values.username,
    password,
    role: values.role,
    displayName: values["display-name"],
  });
  if (!args.success) {
    console.error(USAGE);
    for (const error of fieldErrors(args.error)) console.error(`  ${error.path}: ${error.message}`);
    process.exit(2);
  }
  const user = await withOperatorTasks(loadConfig(), (tasks) => tasks.createUser(args.data));
  console.log(`Created ${user.role} ${user.username} (${user.id})`);
} catch (error) {
  console.error(error instanceof OperatorError || error instanceof AppError ? error.message : error);
  process.exitCode = 1;
}

/** Hidden on a terminal (asked twice); otherwise the first line of standard input. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = "";
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? "";
  }
  const first = await promptHidden("Password: ");
  const second = await promptHidden("Password again: ");
  if (first !== second) throw new OperatorError("The two passwords differ; nothing was created.");
  return first;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.resume();
    let value = "";
    const finish = (outcome: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(value));
        if (char === "\u0003")
          return finish(() => reject(new OperatorError("Canceled; nothing was created.")));
        value = char === "\u007f" || char === "\b" ? value.slice(0, -1) : value + char;
      }
    };
    stdin.on("data", onData);
  });
}
