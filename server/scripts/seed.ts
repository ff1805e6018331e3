/**
 * `npm run seed`: a small demo marketplace (sellers, buyers, items, a few conversations). Safe to run twice.
 * Beside a running server on the embedded database, the server does it (see `admin/operator.ts`).
 */
import { OperatorError, withOperatorTasks } from "../admin/operator.js";
import { loadConfig } from "../config.js";

try {
  console.log(await withOperatorTasks(loadConfig(), (tasks) => tasks.seed()));
} catch (error) {
  console.error(error instanceof OperatorError ? error.message : error);
  process.exitCode = 1;
}
