import { describe, expect, it } from "vitest";
import type { ItemEvent } from "../../shared/events.js";
import { RoomSequencer } from "./room-sequencer.js";

const ITEM = "00000000-0000-4000-8000-000000000001";
const event = (seq: number): ItemEvent => ({
  itemId: ITEM,
  seq,
  type: "text",
  author: null,
  body: { text: `m${seq}` },
  createdAt: new Date(0).toISOString(),
});

function setup(stored: number[] = []) {
  const emitted: number[] = [];
  /** Each emit's seqs: one run per emit. */
  const runs: number[][] = [];
  const loads: [number, number][] = [];
  let members = 0;
  const sequencer = new RoomSequencer<ItemEvent>({
    keyOf: (e) => e.itemId,
    emit: (events) => {
      runs.push(events.map((e) => e.seq));
      emitted.push(...events.map((e) => e.seq));
    },
    load: async (_itemId, after, before) => {
      loads.push([after, before]);
      return stored.filter((seq) => seq > after && seq < before).map(event);
    },
    hasLocalMembers: () => members > 0,
    onError: (error) => {
      throw error;
    },
    gapMs: 10,
  });
  const join = (lastSeq: number) =>
    sequencer.join(ITEM, async (before) => {
      members++;
      return { value: before, lastSeq };
    });
  return { sequencer, emitted, runs, loads, join, leave: () => members-- };
}

/** Until the sequencer's queued drains have run (offers are emitted at the end of their turn). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("RoomSequencer", () => {
  it("drops events for items without local members", async () => {
    const { sequencer, emitted } = setup();
    sequencer.offer(event(1));
    await settled();
    expect(emitted).toEqual([]);
  });

  it("emits in seq order whatever the arrival order, and each seq once", async () => {
    const { sequencer, emitted, join } = setup();
    await join(3);
    for (const seq of [5, 4, 4, 3, 6, 2, 7]) {
      sequencer.offer(event(seq));
      await settled();
    }
    expect(emitted).toEqual([4, 5, 6, 7]);
  });

  it("emits the events offered in one turn as one run, after that turn", async () => {
    const { sequencer, emitted, runs, join } = setup();
    await join(3);
    for (const seq of [4, 5, 6]) sequencer.offer(event(seq));
    expect(emitted).toEqual([]);
    await settled();
    sequencer.offer(event(7));
    await settled();
    expect(runs).toEqual([[4, 5, 6], [7]]);
  });

  it("caps a later join's history at the next seq and holds live events until it has joined", async () => {
    const { sequencer, emitted, join } = setup();
    await join(3);
    const before = await sequencer.join(ITEM, async (before) => {
      sequencer.offer(event(4));
      expect(emitted).toEqual([]);
      return { value: before, lastSeq: 99 };
    });
    expect(before).toBe(4);
    expect(emitted).toEqual([4]);
  });

  it("reads a seq that never arrives from the database", async () => {
    const { sequencer, emitted, loads, join } = setup([4, 5]);
    await join(3);
    sequencer.offer(event(6));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(loads).toEqual([[3, 6]]);
    expect(emitted).toEqual([4, 5, 6]);
  });

  it("forgets an item when its last local member leaves", async () => {
    const { sequencer, emitted, join, leave } = setup();
    await join(1);
    leave();
    sequencer.release(ITEM);
    sequencer.offer(event(2));
    await settled();
    expect(emitted).toEqual([]);
  });
});
