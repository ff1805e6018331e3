import { randomUUID } from "node:crypto";
import nodemailer from "nodemailer";
import type { Logger } from "pino";
import { DEFAULT_EMAIL_PREFERENCES } from "../../shared/notifications.js";
import type { Db, Queryable } from "../db/db.js";
import { type EmailPart, queueEmailPart, queueVerificationEmail } from "./email-queue.js";
import { notificationEmail, type RenderedEmail, verificationEmail } from "./email-templates.js";
import { type EmailTokens, VERIFY_TTL_SECONDS } from "./email-tokens.js";

/** Most emails one tick sends. */
const SEND_BATCH = 20;
/** Retries wait 5 s, 10 s, 20 s… up to an hour, and never stop: nothing queued is dropped. */
const RETRY_BASE_SECONDS = 5;
const RETRY_MAX_SECONDS = 3600;
/** Most notifications one email lists. */
const PARTS_MAX = 20;
/** Each stage of a send gives up after these (ms): the connection, the greeting, any silence after. */
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };
/** A claimed email is another process's to take once this passes (a crash mid-send): a resend, at least once. */
const CLAIM_MARGIN_SECONDS = 60;
const CLAIM_SECONDS =
  (SMTP_TIMEOUTS.connectionTimeout + SMTP_TIMEOUTS.greetingTimeout + SMTP_TIMEOUTS.socketTimeout) / 1000 +
  CLAIM_MARGIN_SECONDS;

type QueueRow = {
  id: string;
  user_id: string;
  kind: "verify" | "notification";
  coalesce_key: string | null;
  parts: EmailPart[];
  attempts: number;
};
/** A row this attempt holds: `claim` is its token, required by every write that ends the attempt. */
type Claimed = QueueRow & { claim: string };
/** What one attempt came to: sent to an address (or nothing left to send), or refused. */
type Outcome = { sentTo: string | null } | { error: string };
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
 * Sends the email queue over SMTP, with no transaction open while the SMTP server answers (on PGlite one
 * transaction holds the one connection, so a hanging server would freeze the whole marketplace). Each
 * email is leased: claimed in a short transaction (`for update skip locked`: processes share the queue,
 * never an email) with a token and a `claimed_until` past the SMTP timeouts, sent, then marked sent in a
 * second short transaction only if the claim is still this attempt's. A failure counts an attempt, sets the
 * next one with backoff and clears the claim; the tick stops there (the server is likely down for the rest
 * too). At-least-once: a crash after the server accepted and before the mark leaves the claim to run out,
 * and the email is sent again then; so is one whose send outlasted its lease (a server trickling answers),
 * and that attempt's late mark changes nothing.
 */
export function createMailer(deps: {
  db: Db;
  smtpUrl: string;
  from: string;
  publicUrl: string;
  tokens: EmailTokens;
  /** Parts that join an email while it is sent go out in the next one, this long after it. */
  coalesceSeconds: number;
  logger: Logger;
}) {
  const { db, publicUrl, tokens, logger } = deps;
  const transport = nodemailer.createTransport({ url: deps.smtpUrl, ...SMTP_TIMEOUTS });

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

  /** The most due email no one holds, leased to this attempt; null when nothing is due. */
  async function claim(): Promise<Claimed | null> {
    const token = randomUUID();
    const [row] = await db.query<QueueRow>(
      `with due as (
         select id from email_queue
         where sent_at is null and send_after <= now() and (claimed_until is null or claimed_until < now())
         order by send_after limit 1
         for update skip locked)
       update email_queue q set claim = $1, claimed_until = now() + make_interval(secs => $2)
       from due where q.id = due.id
       returning q.id, q.user_id, q.kind, q.coalesce_key, q.parts, q.attempts`,
      [token, CLAIM_SECONDS],
      // Every tick.
      { prepared: true },
    );
    return row ? { ...row, claim: token } : null;
  }

  /** Renders and sends the claimed email, outside any transaction. */
  async function attempt(row: Claimed): Promise<Outcome> {
    const [user] = await db.query<UserRow>(
      "select email, email_verified_at, email_preferences, display_name from users where id = $1",
      [row.user_id],
    );
    const email = user ? await render(db, row, user) : null;
    if (!email || !user?.email) return { sentTo: null };
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
      return { error: error instanceof Error ? error.message.slice(0, 500) : "send failed" };
    }
    return { sentTo: user.email };
  }

  /**
   * Ends the attempt, if the claim is still its own (false otherwise: it ran out and another attempt has
   * the row). Sent: marked sent with the parts it was sent with; parts that joined it meanwhile are queued
   * again, and so is a verification if the address changed meanwhile. Failed: the attempt is counted and
   * the next one set with backoff.
   */
  function record(row: Claimed, outcome: Outcome): Promise<boolean> {
    return db.transaction(async (tx) => {
      const [held] = await tx.query<{ parts: EmailPart[]; email: string | null }>(
        `select q.parts, u.email from email_queue q join users u on u.id = q.user_id
          where q.id = $1 and q.claim = $2 for update of q`,
        [row.id, row.claim],
      );
      if (!held) return false;
      const attempts = row.attempts + 1;
      if ("error" in outcome) {
        await tx.query(
          `update email_queue set attempts = $2, last_error = $3, claim = null, claimed_until = null,
                  send_after = now() + make_interval(secs => $4) where id = $1`,
          [row.id, attempts, outcome.error, retryDelaySeconds(attempts)],
        );
        return true;
      }
      await tx.query(
        `update email_queue set sent_at = now(), attempts = $2, parts = $3::jsonb, claim = null,
                claimed_until = null, last_error = case when $4 then 'nothing to send' end
          where id = $1`,
        [row.id, attempts, JSON.stringify(row.parts), outcome.sentTo === null],
      );
      // The reader only appends parts to an unsent email: those past the claimed ones came meanwhile.
      for (const part of held.parts.slice(row.parts.length)) {
        await queueEmailPart(tx, row.user_id, row.coalesce_key, part, deps.coalesceSeconds);
      }
      if (row.kind === "verify" && held.email !== outcome.sentTo)
        await queueVerificationEmail(tx, row.user_id);
      return true;
    });
  }

  /** Claims, sends and records one due email; "none" when nothing is due, "failed" when SMTP refused. */
  async function sendOne(): Promise<"sent" | "none" | "failed"> {
    const row = await claim();
    if (!row) return "none";
    const outcome = await attempt(row);
    const recorded = await record(row, outcome);
    if (!recorded)
      logger.warn(
        { emailId: row.id, sent: !("error" in outcome) },
        "email claim ran out before its outcome was recorded",
      );
    if ("error" in outcome) {
      logger.warn(
        { err: outcome.error, emailId: row.id, attempts: row.attempts + 1 },
        "email not sent; retrying later",
      );
      return "failed";
    }
    return "sent";
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
