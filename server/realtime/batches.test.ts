import { describe, expect, it } from "vitest";
import { KeyedBatches } from "./batches.js";

describe("KeyedBatches", () => {
  it("runs requests that arrive together as one batch, and those that arrive meanwhile as the next", async () => {
    const batches: string[][] = [];
    let release = () => {};
    const batcher = new KeyedBatches<string, string>(async (key, requests) => {
      batches.push(requests);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return requests.map((request) => `${key}:${request}`);
    });
    const first = ["a", "b", "c"].map((request) => batcher.add("room", request));
    const other = batcher.add("other room", "x");
    await new Promise((resolve) => setImmediate(resolve));
    const later = ["d", "e"].map((request) => batcher.add("room", request));
    release();
    expect(await Promise.all([...first, ...later, other])).toEqual([
      "room:a",
      "room:b",
      "room:c",
      "room:d",
      "room:e",
      "other room:x",
    ]);
    expect(batches).toEqual([["a", "b", "c"], ["x"], ["d", "e"]]);
  });

  it("fails a batch's requests only, and caps a batch's size", async () => {
    const sizes: number[] = [];
    const batcher = new KeyedBatches<number, number>(async (_key, requests) => {
      sizes.push(requests.length);
      if (requests.includes(0)) throw new Error("no zeros");
      return requests;
    }, 2);
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((n) => batcher.add("k", n)));
    expect(results.map((result) => result.status)).toEqual([
      "rejected",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(sizes).toEqual([2, 2, 1]);
  });
});
