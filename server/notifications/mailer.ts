import nodemailer from "nodemailer";
import type { Logger } from "pino";
import { DEFAULT_EMAIL_PREFERENCES } from "../../shared/notifications.js";
import type { Db, Queryable } from "../db/db.js";
import type { EmailPart } from "./email-queue.js";
import { notificationEmail, type RenderedEmail, verificationEmail } from "./email-templates.js";
import { type EmailTokens, VERIFY_TTL_SECONDS } from "./email-tokens.js";

/** Most emails one tick sends. */
const SEND_BATCH = 20;
/** Retries wait 5 s, 10 s, 20 s… up to an hour, and never stop: nothing queued is dropped. */
const RETRY_BASE_SECONDS = 5;
const RETRY_MAX_SECONDS = 3600;
/** Most notifications one email lists. */
const PARTS_MAX = 20;

type QueueRow = {
  id: string;
  user_id: string;
  kind: "verify" | "notification";
  parts: EmailPart[];
  attempts: number;
};
type UserRow = {
  email: string | null;
  email_verified_at: Date | null;
  email_preferences: Record<string, boolean>;
  display_name: string;
};

export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends the email queue over SMTP. Each email is claimed in its own transaction (`for update skip
 * locked`: processes share the queue, never an email) and marked sent in that transaction once the SMTP
 * server accepted it. A failure counts an attempt and sets the next one with backoff; the tick stops
 * there (the server is likely down for the rest too). At-least-once: a crash after the server accepted
 * and before the commit sends that email again.
 */
export function createMailer(deps: {
  db: Db;
  smtpUrl: string;
  from: string;
  publicUrl: string;
  tokens: EmailTokens;
  logger: Logger;
}) {
  const { db, publicUrl, tokens, logger } = deps;
  // Short timeouts: the claimed row's transaction stays open while the server answers.
  const transport = nodemailer.createTransport({
    url: deps.smtpUrl,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
  });

  /** What the row's email says now, or null if nothing is left to send (unverified, unsubscribed). */
  async function render(
    tx: Queryable,
    row: QueueRow,
    user: UserRow,
  ): Promise<(RenderedEmail & { unsubscribeUrl?: string }) | null> {
    if (!user.email) return null;
    if (row.kind === "verify") {
      if (user.email_verified_at) return null;
      const token = tokens.verification(row.user_id, user.email);
      return verificationEmail({
        displayName: user.display_name,
        url: `${publicUrl}/verify-email?token=${encodeURIComponent(token)}`,
        hours: VERIFY_TTL_SECONDS / 3600,
      });
    }
    // Nothing but a verification link goes to an address that is not verified (it may have changed).
    if (!user.email_verified_at) return null;
    const wanted = row.parts.filter(
      (part) => user.email_preferences[part.key] ?? DEFAULT_EMAIL_PREFERENCES[part.key],
    );
    const ids = [...new Set(wanted.map((part) => part.notificationId))];
    if (ids.length === 0) return null;
    const notifications = await tx.query<{ title: string; body: string; link: string }>(
      `select title, body, link from notifications where id = any($1::uuid[]) and user_id = $2
        order by created_at desc limit $3`,
      [ids, row.user_id, PARTS_MAX],
    );
    if (notifications.length === 0) return null;
    const unsubscribe = [...new Set(wanted.map((part) => part.key))].map((key) => ({
      key,
      url: `${publicUrl}/api/email/unsubscribe?token=${encodeURIComponent(tokens.unsubscribe(row.user_id, key))}`,
    }));
    const rendered = notificationEmail({
      parts: notifications.map((n) => ({ title: n.title, body: n.body, url: `${publicUrl}${n.link}` })),
      unsubscribe,
      settingsUrl: `${publicUrl}/settings`,
    });
    // The List-Unsubscribe header (one-click in mail clients) names the first type.
    return { ...rendered, ...(unsubscribe[0] ? { unsubscribeUrl: unsubscribe[0].url } : {}) };
  }

  /** Claims, sends and marks one due email; "none" when nothing is due, "failed" when SMTP refused. */
  function sendOne(): Promise<"sent" | "none" | "failed"> {
    return db.transaction(async (tx) => {
      const [row] = await tx.query<QueueRow>(
        `select id, user_id, kind, parts, attempts from email_queue
          where sent_at is null and send_after <= now()
          order by send_after limit 1 for update skip locked`,
      );
      if (!row) return "none";
      const [user] = await tx.query<UserRow>(
        "select email, email_verified_at, email_preferences, display_name from users where id = $1",
        [row.user_id],
      );
      const email = user ? await render(tx, row, user) : null;
      if (!email || !user?.email) {
        await tx.query(
          "update email_queue set sent_at = now(), last_error = 'nothing to send' where id = $1",
          [row.id],
        );
        return "sent";
      }
      try {
        await transport.sendMail({
          from: deps.from,
          to: user.email,
          subject: email.subject,
          text: email.text,
          html: email.html,
          ...(email.unsubscribeUrl
            ? {
                list: { unsubscribe: { url: email.unsubscribeUrl, comment: "Unsubscribe" } },
                headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
              }
            : {}),
        });
      } catch (error) {
        const attempts = row.attempts + 1;
        await tx.query(
          `update email_queue set attempts = $2, last_error = $3,
                  send_after = now() + make_interval(secs => $4) where id = $1`,
          [
            row.id,
            attempts,
            error instanceof Error ? error.message.slice(0, 500) : "send failed",
            retryDelaySeconds(attempts),
          ],
        );
        logger.warn({ err: error, emailId: row.id, attempts }, "email not sent; retrying later");
        return "failed";
      }
      await tx.query("update email_queue set sent_at = now(), attempts = attempts + 1 where id = $1", [
        row.id,
      ]);
      return "sent";
    });
  }

  return {
    /** Sends what is due, up to a batch; stops at the first SMTP failure. */
    async sendDue(): Promise<number> {
      let sent = 0;
      for (let i = 0; i < SEND_BATCH; i++) {
        const outcome = await sendOne();
        if (outcome !== "sent") break;
        sent++;
      }
      return sent;
    },
    close: () => transport.close(),
  };
}

export type Mailer = ReturnType<typeof createMailer>;
