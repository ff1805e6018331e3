import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const ZProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** A span of CLOCK_MONOTONIC time in µs: `process.hrtime.bigint() / 1000n`, V8's profile clock too. */
export type Window = { from: number; to: number };

export type ProfileSummary = {
  seconds: number;
  /** Share of the window's samples in which the process was not idle: how busy its one thread was. */
  busy: number;
  /** Share of samples (0–1) per area: our code by folder, each package, V8's own buckets. */
  areas: { area: string; share: number }[];
  /** The functions with the most self time. */
  functions: { name: string; share: number }[];
};

/** Where a frame's code lives: `server/chat`, `pg`, `socket.io`, `(garbage collector)`… */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /\/(server|shared|bench)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  return "(other)";
}

/** Reads the one .cpuprofile `node --cpu-prof` wrote into `dir` and sums self time by area and function. */
export function summarizeProfile(dir: string, window: Window | null, top = 12): ProfileSummary | null {
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) return null;
  const profile = ZProfile.parse(JSON.parse(readFileSync(path.join(dir, file), "utf8")));
  // Count samples ourselves: only those inside the window (the chat phases), not start-up or sign-ins.
  const hitsOf = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.to)) return;
    hitsOf.set(nodeId, (hitsOf.get(nodeId) ?? 0) + 1);
  });
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let all = 0;
  for (const node of profile.nodes) {
    all += hitsOf.get(node.id) ?? 0;
    const hits = hitsOf.get(node.id) ?? 0;
    if (hits === 0 || node.callFrame.functionName === "(idle)") continue;
    total += hits;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    const where = node.callFrame.url ? `${area}:${node.callFrame.lineNumber + 1}` : area;
    const name = `${node.callFrame.functionName || "(anonymous)"} ${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: total > 0 ? hits / total : 0 }));
  return {
    busy: all > 0 ? total / all : 0,
    seconds: window ? (window.to - window.from) / 1e6 : (profile.endTime - profile.startTime) / 1e6,
    areas: ranked(byArea).map(({ name, share }) => ({ area: name, share })),
    functions: ranked(byFunction),
  };
}
