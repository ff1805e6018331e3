import { describe, expect, it } from "vitest";
import type { OutboxEntry } from "../bus.js";
import { collapseMessages } from "./reader.js";

let position = 0;
const entry = (type: string, resource: string, data: Record<string, unknown> = {}): OutboxEntry => ({
  position: ++position,
  type,
  resource: { type: resource.split(":")[0]!, id: resource.split(":")[1]! },
  data,
  createdAt: new Date().toISOString(),
});

describe("collapseMessages", () => {
  it("keeps one entry per conversation, the last, with its messages in order; other entries as they are", () => {
    const entries = [
      entry("message.created", "item:a", { authorId: "u1", preview: "one", seq: 1 }),
      entry("deal.paid", "deal:d"),
      entry("message.created", "item:a", { authorId: "u2", preview: "two", seq: 2 }),
      entry("message.created", "deal:d", { authorId: "u1", preview: "thread", seq: 5 }),
      entry("message.created", "item:a", { authorId: "u1", preview: "three", seq: 3 }),
    ];
    const collapsed = collapseMessages(entries);
    expect(
      collapsed.map((e) => [
        e.type,
        e.resource.id,
        (e.data.messages as { preview: string }[] | undefined)?.map((m) => m.preview),
      ]),
    ).toEqual([
      ["deal.paid", "d", undefined],
      ["message.created", "a", ["one", "two", "three"]],
      ["message.created", "d", ["thread"]],
    ]);
    expect(collapsed[1]?.position).toBe(entries[4]?.position);
  });
});
