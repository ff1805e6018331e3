import { performance } from "node:perf_hooks";
import { type Latency, summarize } from "./stats.js";

async function timed(
  url: string,
  init?: RequestInit,
): Promise<{ ms: number; status: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  const ms = performance.now() - started;
  return { ms, status: response.status, body: text ? JSON.parse(text) : null };
}

/** Sequential GETs of each path in turn (after a few unmeasured ones), timed end to end from this process. */
export async function getLatency(baseUrl: string, paths: string[], count: number): Promise<Latency> {
  for (let i = 0; i < Math.min(20, count); i++) await timed(`${baseUrl}${paths[i % paths.length]}`);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const { ms, status } = await timed(`${baseUrl}${paths[i % paths.length]}`);
    if (status !== 200) throw new Error(`GET ${paths[i % paths.length]}: ${status}`);
    samples.push(ms);
  }
  return summarize(samples);
}

export type CheckoutRace = {
  buyers: number;
  winners: number;
  conflicts: number;
  other: number;
  latency: Latency;
};

/**
 * `buyers.length` buyers POST /api/items/:id/checkout for one item at the same moment: exactly one must
 * win (201), every other gets a 409.
 */
export async function checkoutRace(
  baseUrl: string,
  itemId: string,
  buyerTokens: string[],
): Promise<CheckoutRace> {
  const url = `${baseUrl}/api/items/${itemId}/checkout`;
  const results = await Promise.all(
    buyerTokens.map((token) =>
      timed(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      }),
    ),
  );
  return {
    buyers: buyerTokens.length,
    winners: results.filter((result) => result.status === 201).length,
    conflicts: results.filter((result) => result.status === 409).length,
    other: results.filter((result) => result.status !== 201 && result.status !== 409).length,
    latency: summarize(results.map((result) => result.ms)),
  };
}
