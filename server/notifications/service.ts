import { AppError } from "../../shared/errors.js";
import {
  DEFAULT_EMAIL_PREFERENCES,
  type EmailPreferenceKey,
  type EmailSettings,
  type MarkReadRequest,
  type NotificationsResponse,
  type Preferences,
} from "../../shared/notifications.js";
import type { OwnProfile } from "../../shared/profiles.js";
import type { User } from "../../shared/users.js";
import type { Db, Queryable } from "../db/db.js";
import { writeOutbox } from "../outbox/outbox.js";
import { getProfile } from "../profiles/store.js";
import type { EmailTokens } from "./email-tokens.js";
import { EMAIL_VERIFICATION } from "./reader.js";
import { countUnread, listConversations, listNotifications, markNotificationsRead } from "./store.js";

const PAGE_DEFAULT = 20;
/** How many conversations the inbox shows. */
const CONVERSATIONS_MAX = 100;

/** A page's cursor: the last notification's id, opaque to clients. */
const encodeCursor = (n: { id: string }) => Buffer.from(n.id).toString("base64url");

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return id;
  throw new AppError("bad_request", "That cursor is not one we gave out", [
    { path: "cursor", message: "Use nextCursor from the previous page" },
  ]);
}

async function preferencesOf(q: Queryable, userId: string): Promise<Preferences> {
  const [row] = await q.query<{ email_preferences: Record<string, boolean> }>(
    "select email_preferences from users where id = $1",
    [userId],
  );
  return { email: { ...DEFAULT_EMAIL_PREFERENCES, ...(row?.email_preferences ?? {}) } };
}

/** The signed-in user's notifications, read marks, email preferences and address verification. */
export function createNotificationService(deps: {
  db: Db;
  tokens: EmailTokens;
  emailEnabled: boolean;
  drainOutbox: () => Promise<void>;
}) {
  const { db, tokens } = deps;

  async function setPreferences(
    q: Queryable,
    userId: string,
    email: Partial<Record<EmailPreferenceKey, boolean>>,
  ): Promise<Preferences> {
    await q.query("update users set email_preferences = email_preferences || $2::jsonb where id = $1", [
      userId,
      JSON.stringify(email),
    ]);
    return preferencesOf(q, userId);
  }

  async function emailSettings(user: User): Promise<EmailSettings> {
    const [row] = await db.query<{ email: string | null; email_verified_at: Date | null }>(
      "select email, email_verified_at from users where id = $1",
      [user.id],
    );
    return {
      address: row?.email ?? null,
      verified: Boolean(row?.email_verified_at),
      enabled: deps.emailEnabled,
    };
  }

  return {
    async list(
      user: User,
      query: { unread?: "true" | "false"; cursor?: string; limit?: number },
    ): Promise<NotificationsResponse> {
      const limit = query.limit ?? PAGE_DEFAULT;
      const notifications = await listNotifications(db, user.id, {
        unreadOnly: query.unread === "true",
        after: query.cursor ? decodeCursor(query.cursor) : null,
        limit: limit + 1,
      });
      const page = notifications.slice(0, limit);
      const last = page.at(-1);
      return {
        notifications: page,
        nextCursor: notifications.length > limit && last ? encodeCursor(last) : null,
        unread: await countUnread(db, user.id),
      };
    },

    async markRead(user: User, input: MarkReadRequest): Promise<{ unread: number }> {
      await markNotificationsRead(db, user.id, "all" in input ? "all" : input.ids);
      return { unread: await countUnread(db, user.id) };
    },

    preferences: (user: User) => preferencesOf(db, user.id),

    conversations: (user: User) => listConversations(db, user.id, CONVERSATIONS_MAX),

    updatePreferences: (user: User, email: Partial<Record<EmailPreferenceKey, boolean>>) =>
      setPreferences(db, user.id, email),

    emailSettings,

    /** Sends a new verification link (through the outbox, like every email). */
    async resendVerification(user: User): Promise<void> {
      const settings = await emailSettings(user);
      if (!settings.address) throw new AppError("conflict", "Add an email address first");
      if (settings.verified) throw new AppError("conflict", "This address is already verified");
      await writeOutbox(db, {
        type: EMAIL_VERIFICATION,
        resource: { type: "user", id: user.id },
        data: { userId: user.id },
      });
      void deps.drainOutbox();
    },

    /** Follows a verification link: the address it was sent to is verified if it is still the user's. */
    async verifyEmail(token: string): Promise<OwnProfile> {
      const claims = tokens.readVerification(token);
      if (!claims)
        throw new AppError("bad_request", "This link is not valid or has expired; ask for a new one");
      const [row] = await db.query<{ id: string }>(
        `update users set email_verified_at = coalesce(email_verified_at, now())
          where id = $1 and email = $2 returning id`,
        [claims.sub, claims.email],
      );
      if (!row) throw new AppError("conflict", "This link was for an address you have since changed");
      const profile = await getProfile(db, claims.sub);
      if (!profile) throw new AppError("not_found", "No such user");
      return profile;
    },

    /** An email's unsubscribe link: turns that type off. */
    async unsubscribe(token: string): Promise<EmailPreferenceKey> {
      const claims = tokens.readUnsubscribe(token);
      if (!claims) throw new AppError("bad_request", "This unsubscribe link is not valid");
      await setPreferences(db, claims.sub, { [claims.key]: false });
      return claims.key;
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
