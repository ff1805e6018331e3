import type { Item } from "../../shared/items.js";
import { formatMoney } from "../../shared/money.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML content and double-quoted attributes. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

/** A description fit for a link preview: one line, at most `max` characters. */
function summary(text: string, max = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The web app's page for an item, with its title and link-preview tags (Open Graph, Twitter) filled in
 * on the server, so a link pasted into a chat or a social network shows the item. Every value is
 * escaped; `origin` makes the image and page addresses absolute.
 */
export function itemPageHtml(template: string, item: Item, origin: string): string {
  const title = `${item.title} · ${formatMoney(item.price, "en")} · Parley`;
  const description = summary(item.description || `${item.title}, for sale on Parley.`);
  const image = item.imageUrl ? new URL(item.imageUrl, origin).href : null;
  const tags = [
    `<title>${escapeHtml(title)}</title>`,
    `<meta name="description" content="${escapeHtml(description)}" />`,
    `<meta property="og:type" content="product" />`,
    `<meta property="og:site_name" content="Parley" />`,
    `<meta property="og:title" content="${escapeHtml(item.title)}" />`,
    `<meta property="og:description" content="${escapeHtml(description)}" />`,
    `<meta property="og:url" content="${escapeHtml(new URL(`/items/${item.id}`, origin).href)}" />`,
    ...(image ? [`<meta property="og:image" content="${escapeHtml(image)}" />`] : []),
    `<meta property="product:price:amount" content="${(item.price.amount / 100).toFixed(2)}" />`,
    `<meta property="product:price:currency" content="${item.price.currency.toUpperCase()}" />`,
    `<meta name="twitter:card" content="${image ? "summary_large_image" : "summary"}" />`,
  ].join("\n    ");
  return template.replace(/<meta name="description"[^>]*>\s*/i, "").replace(/<title>[^<]*<\/title>/i, tags);
}
