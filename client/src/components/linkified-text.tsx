/** http(s) addresses in a chat message; the characters that usually end a sentence are not part of one. */
const ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'”’)\]]+$/;

/**
 * A person's text with its http(s) addresses as links that open in a new tab and tell the other site
 * nothing (`noopener noreferrer`). Everything is React text: no HTML from the message is ever interpreted,
 * and any other scheme (`javascript:`, `data:`) stays plain text.
 */
export function LinkifiedText({ text }: { text: string }) {
  const parts: (string | { href: string; label: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(ADDRESS)) {
    let label = match[0];
    // A closing parenthesis belongs to the address only when the address opened one: (see https://x.y/a_(b)).
    const trailing = TRAILING.exec(label)?.[0] ?? "";
    let cut = trailing.length;
    if (trailing.startsWith(")") && label.slice(0, -cut).includes("(")) cut -= 1;
    label = label.slice(0, label.length - cut);
    const href = safeHref(label);
    if (!href) continue;
    parts.push(text.slice(last, match.index), { href, label });
    last = match.index + label.length;
  }
  parts.push(text.slice(last));
  return (
    <>
      {parts.map((part, i) =>
        typeof part === "string" ? (
          part
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one immutable message, in order
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.label}
          </a>
        ),
      )}
    </>
  );
}

function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
