/** `npm run seed`: a small demo marketplace (sellers, buyers, items, a few conversations). Safe to run twice. */
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/open.js";
import { seedDemo } from "../seed/demo.js";

const config = loadConfig();
const db = await openDatabase(config);
try {
  const summary = await seedDemo(db, config);
  console.log(summary);
} finally {
  await db.close();
}
