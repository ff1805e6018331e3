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
  it("keeps one entry per conversation and author, the last, with the count; other entries as they are", () => {
    const entries = [
      entry("message.created", "item:a", { authorId: "u1", preview: "one" }),
      entry("deal.paid", "deal:d"),
      entry("message.created", "item:a", { authorId: "u1", preview: "two" }),
      entry("message.created", "item:a", { authorId: "u2", preview: "other author" }),
      entry("message.created", "deal:d", { authorId: "u1", preview: "thread" }),
      entry("message.created", "item:a", { authorId: "u1", preview: "three" }),
    ];
    const collapsed = collapseMessages(entries);
    expect(collapsed.map((e) => [e.type, e.resource.id, e.data.preview, e.data.count])).toEqual([
      ["deal.paid", "d", undefined, undefined],
      ["message.created", "a", "three", 3],
      ["message.created", "a", "other author", 1],
      ["message.created", "d", "thread", 1],
    ]);
  });
});
