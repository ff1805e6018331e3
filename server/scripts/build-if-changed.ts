/**
 * `npm start` runs this first: it builds (`npm run build`) only when a source is newer than the last build,
 * so a start with nothing changed takes a second, not ten.
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SOURCES = [
  "client",
  "server",
  "shared",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "vite.config.ts",
];
/** Written after a successful build, dated when that build started. */
const STAMP = path.join(ROOT, "dist", ".build-stamp");
const OUTPUTS = [
  path.join(ROOT, "dist", "server", "main.js"),
  path.join(ROOT, "dist", "client", "index.html"),
];

function newestChange(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file, { recursive: true })) {
    newest = Math.max(newest, statSync(path.join(file, String(entry))).mtimeMs);
  }
  return newest;
}

const sourcesChanged = Math.max(
  ...SOURCES.map((source) => path.join(ROOT, source))
    .filter(existsSync)
    .map(newestChange),
);
const built = existsSync(STAMP) && OUTPUTS.every(existsSync) ? statSync(STAMP).mtimeMs : 0;
if (built >= sourcesChanged) {
  console.log("The build in dist/ is up to date.");
} else {
  // Dated at the start: a source saved during the build is newer than the stamp and rebuilds next time.
  const started = new Date();
  execSync("npm run build", { cwd: ROOT, stdio: "inherit" });
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
}
