import { EMAIL_PREFERENCE_LABELS, type EmailPreferenceKey } from "../../shared/notifications.js";

/** One rendered email: the same words as plain text and as HTML. */
export type RenderedEmail = { subject: string; text: string; html: string };

/** Every user-supplied string reaches HTML through here: titles, message previews, names, reasons. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function page(bodyHtml: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328;max-width:560px;margin:0 auto;padding:16px">${bodyHtml}<p style="color:#656d76;font-size:13px">Parley</p></body></html>`;
}

/** The notification email: each notification it carries with its link, and an unsubscribe link per type. */
export function notificationEmail(input: {
  parts: { title: string; body: string; url: string }[];
  unsubscribe: { key: EmailPreferenceKey; url: string }[];
  settingsUrl: string;
}): RenderedEmail {
  const first = input.parts[0];
  const subject = input.parts.length === 1 && first ? first.title : `${input.parts.length} updates on Parley`;
  const stop = (key: EmailPreferenceKey) =>
    `Stop emails about: ${EMAIL_PREFERENCE_LABELS[key].toLowerCase()}`;
  const text = [
    ...input.parts.map((part) => `${part.title}\n${part.body}\n${part.url}\n`),
    "—",
    ...input.unsubscribe.map((u) => `${stop(u.key)}: ${u.url}`),
    `Email settings: ${input.settingsUrl}`,
    "",
  ].join("\n");
  const html = page(
    [
      ...input.parts.map(
        (part) =>
          `<p><a href="${escapeHtml(part.url)}" style="font-weight:600;color:#0969da">${escapeHtml(part.title)}</a><br>${escapeHtml(part.body)}</p>`,
      ),
      '<hr style="border:none;border-top:1px solid #d0d7de">',
      ...input.unsubscribe.map(
        (u) => `<p style="font-size:13px"><a href="${escapeHtml(u.url)}">${escapeHtml(stop(u.key))}</a></p>`,
      ),
      `<p style="font-size:13px"><a href="${escapeHtml(input.settingsUrl)}">Email settings</a></p>`,
    ].join(""),
  );
  return { subject, text, html };
}

/** The verification email of a new address. */
export function verificationEmail(input: { displayName: string; url: string; hours: number }): RenderedEmail {
  const subject = "Confirm your email address for Parley";
  const intro = `Hello ${input.displayName}, confirm this address to get Parley's notifications by email.`;
  const expiry = `The link works for ${input.hours} hours. If you did not ask for this, ignore this email.`;
  return {
    subject,
    text: `${intro}\n\n${input.url}\n\n${expiry}\n`,
    html: page(
      `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(input.url)}" style="font-weight:600;color:#0969da">Confirm my email address</a></p><p style="color:#656d76">${escapeHtml(expiry)}</p>`,
    ),
  };
}
