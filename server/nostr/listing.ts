import type { EventTemplate } from "nostr-tools/pure";
import type { Item } from "../../shared/items.js";
import { formatMoneyInput } from "../../shared/money.js";

/** NIP-99's classified listing: parameterized replaceable, addressed by `30402:<pubkey>:<d>`. */
export const LISTING_KIND = 30402;
/** NIP-09's deletion request. */
export const DELETION_KIND = 5;

/** How long the `summary` tag may be: a one-line tagline under the title. */
const SUMMARY_MAX = 160;

/**
 * The NIP-99 listing of an item as it is now: `status` `sold` once sold, `active` otherwise. Images stored
 * here (`/uploads/…`) become absolute with `publicUrl`; without it they are left out, since a relative
 * path means nothing to a Nostr client, and so is the `r` link back to the item's page.
 */
export function listingTemplate(item: Item, createdAt: number, publicUrl: string | undefined): EventTemplate {
  const images = (item.images.length > 0 ? item.images : item.imageUrl ? [item.imageUrl] : [])
    .map((image) => absoluteUrl(image, publicUrl))
    .filter((image): image is string => image !== null);
  const topics = new Set([...(item.category ? item.category.split("/") : []), ...item.tags]);
  const place = [item.location.city, item.location.country].filter(Boolean).join(", ");
  const tags: string[][] = [
    ["d", item.id],
    ["title", item.title],
    ["summary", summaryOf(item.description)],
    ["published_at", String(Math.floor(Date.parse(item.createdAt) / 1000))],
    ["price", formatMoneyInput(item.price.amount, item.price.currency), item.price.currency.toUpperCase()],
    ...images.map((image) => ["image", image]),
    ...[...topics].map((topic) => ["t", topic.toLowerCase()]),
    ...(place ? [["location", place]] : []),
    ["status", item.status === "sold" ? "sold" : "active"],
    ...(publicUrl ? [["r", new URL(`/items/${item.id}`, publicUrl).toString()]] : []),
  ];
  return { kind: LISTING_KIND, created_at: createdAt, tags, content: markdownSafe(item.description) };
}

/** A deletion of the listing: every version up to now (`a`), and the last one signed (`e`). */
export function deletionTemplate(
  item: Item,
  pubkey: string,
  lastEventId: string,
  createdAt: number,
): EventTemplate {
  return {
    kind: DELETION_KIND,
    created_at: createdAt,
    tags: [
      ["a", `${LISTING_KIND}:${pubkey}:${item.id}`],
      ["e", lastEventId],
      ["k", String(LISTING_KIND)],
    ],
    content: "The item was taken off the marketplace",
  };
}

function absoluteUrl(image: string, publicUrl: string | undefined): string | null {
  if (/^https?:\/\//i.test(image)) return image;
  return publicUrl ? new URL(image, publicUrl).toString() : null;
}

/** The description's first line, cut at a word within `SUMMARY_MAX` characters. */
export function summaryOf(description: string): string {
  const line = description.trim().split(/\r?\n/, 1)[0]?.trim() ?? "";
  if (line.length <= SUMMARY_MAX) return line;
  const cut = line.slice(0, SUMMARY_MAX - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > SUMMARY_MAX / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * Plain text that renders as itself in Markdown (NIP-99's content is Markdown), and stays readable where a
 * client shows it raw: only what Markdown would read as syntax is backslash-escaped (CommonMark escapes
 * any ASCII punctuation). Emphasis, code, links, HTML and table characters anywhere; an entity's `&`;
 * and at a line's start, heading, list, quote and underline markers. A `*` or a `<b>` a seller typed is
 * shown, not interpreted.
 */
export function markdownSafe(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, (character) => `\\${character}`)
    .replace(/&(?=#?\w+;)/g, "\\&")
    .replace(/^(\s*)([#=+-])/gm, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/gm, "$1\\$2");
}
