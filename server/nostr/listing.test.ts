import { describe, expect, it } from "vitest";
import type { Item } from "../../shared/items.js";
import { listingTemplate, markdownSafe, summaryOf } from "./listing.js";

const item = {
  id: "6c0b8a52-7a43-4c43-9a55-0d6f1f7f1a01",
  title: "Lamp",
  description: "Brass lamp.",
  price: { amount: 5, currency: "usd" },
  imageUrl: "/uploads/lamp.png",
  status: "available",
  seller: { id: "0b5e4f6e-2d7a-4d55-8f1e-6c9f4d1e2a33", username: "maria", displayName: "Maria" },
  lastSeq: 1,
  createdAt: "2026-03-01T10:00:00.000Z",
  updatedAt: "2026-03-01T10:00:00.000Z",
  images: ["/uploads/lamp.png", "http://images.example/lamp.jpg"],
  category: null,
  condition: null,
  tags: ["Brass"],
  specs: [],
  quantity: 1,
  quantityAvailable: 1,
  location: {},
  shippingOptions: [],
  offers: { enabled: false },
  withdrawnAt: null,
  openOffers: 0,
  sale: "fixed",
  auction: null,
} satisfies Item;

describe("an item's NIP-99 listing", () => {
  it("without a public URL: no uploaded photos, no link back, and no location tag when it has none", () => {
    const template = listingTemplate(item, 1_770_000_000, undefined);
    expect(template.created_at).toBe(1_770_000_000);
    expect(template.tags).toEqual([
      ["d", item.id],
      ["title", "Lamp"],
      ["summary", "Brass lamp."],
      ["published_at", "1772359200"],
      ["price", "0.05", "USD"],
      ["image", "http://images.example/lamp.jpg"],
      ["t", "brass"],
      ["status", "active"],
    ]);
  });

  it("a sold item says sold", () => {
    const template = listingTemplate({ ...item, status: "sold" }, 1, "https://market.example/");
    expect(template.tags).toContainEqual(["status", "sold"]);
    expect(template.tags).toContainEqual(["image", "https://market.example/uploads/lamp.png"]);
  });

  it("summarises the first line, cut at a word", () => {
    expect(summaryOf("  One line.\nAnother.")).toBe("One line.");
    const long = `${"word ".repeat(60)}end`;
    const summary = summaryOf(long);
    expect(summary.length).toBeLessThanOrEqual(160);
    expect(summary).toMatch(/word…$/);
  });

  it("keeps plain text plain in Markdown, and readable", () => {
    expect(markdownSafe("A brand-new 2-seat sofa (grey), 50% off!")).toBe(
      "A brand-new 2-seat sofa (grey), 50% off!",
    );
    expect(markdownSafe("*bold* _it_ `code` [link](x) <b>x</b> a|b ~~s~~ \\")).toBe(
      "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\<b\\>x\\</b\\> a\\|b \\~\\~s\\~\\~ \\\\",
    );
    expect(markdownSafe("# Title\n- item\n+ item\n1. first\n  2) second\n===\nR&amp;D & co")).toBe(
      "\\# Title\n\\- item\n\\+ item\n1\\. first\n  2\\) second\n\\===\nR\\&amp;D & co",
    );
  });
});
