import express, { Router } from "express";
import { parseOrThrow } from "../../shared/errors.js";
import {
  EMAIL_PREFERENCE_LABELS,
  ZMarkReadRequest,
  ZNotificationsQuery,
  ZUpdatePreferencesRequest,
  ZVerifyEmailRequest,
} from "../../shared/notifications.js";
import { requireUser } from "../http/authenticate.js";
import { escapeHtml } from "./email-templates.js";
import type { NotificationService } from "./service.js";

const ZUnsubscribe = ZVerifyEmailRequest;

/** A tiny page for links opened from an email (no web app needed). */
function emailPage(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:480px;margin:40px auto;padding:0 16px;line-height:1.5"><h1 style="font-size:20px">${escapeHtml(title)}</h1>${body}<p><a href="/settings">Email settings</a></p></body></html>`;
}

export function notificationRoutes(notifications: NotificationService): Router {
  const router = Router();

  router.get("/me/notifications", async (req, res) => {
    const user = requireUser(req);
    res.json(await notifications.list(user, parseOrThrow(ZNotificationsQuery, req.query, "query")));
  });

  router.post("/me/notifications/read", async (req, res) => {
    const user = requireUser(req);
    res.json(await notifications.markRead(user, parseOrThrow(ZMarkReadRequest, req.body)));
  });

  /** An extension: the inbox, the user's rooms and deal threads with their unread counts. */
  router.get("/me/conversations", async (req, res) => {
    res.json({ conversations: await notifications.conversations(requireUser(req)) });
  });

  /** An extension: the settings page reads preferences with the address and its verification. */
  router.get("/me/preferences", async (req, res) => {
    const user = requireUser(req);
    res.json({
      preferences: await notifications.preferences(user),
      email: await notifications.emailSettings(user),
    });
  });

  router.patch("/me/preferences", async (req, res) => {
    const user = requireUser(req);
    const input = parseOrThrow(ZUpdatePreferencesRequest, req.body);
    res.json({ preferences: await notifications.updatePreferences(user, input.email) });
  });

  /** An extension: sends the verification link again. */
  router.post("/me/email/verification", async (req, res) => {
    await notifications.resendVerification(requireUser(req));
    res.status(202).json({});
  });

  router.post("/auth/verify-email", async (req, res) => {
    const { token } = parseOrThrow(ZVerifyEmailRequest, req.body);
    res.json({ user: await notifications.verifyEmail(token) });
  });

  // A link in an email is opened by people and fetched by mail scanners: GET only asks, POST (the
  // page's button, or a mail client's one-click List-Unsubscribe-Post) turns the type off.
  router.get("/email/unsubscribe", (req, res) => {
    const { token } = parseOrThrow(ZUnsubscribe, req.query, "query");
    res
      .type("html")
      .send(
        emailPage(
          "Unsubscribe",
          `<form method="post"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Stop these emails</button></form>`,
        ),
      );
  });

  router.post(
    "/email/unsubscribe",
    express.urlencoded({ extended: false, limit: "8kb" }),
    async (req, res) => {
      const raw =
        typeof req.query.token === "string" ? req.query.token : (req.body as { token?: unknown })?.token;
      const { token } = parseOrThrow(ZUnsubscribe, { token: raw }, "token");
      const key = await notifications.unsubscribe(token);
      res
        .type("html")
        .send(
          emailPage(
            "Unsubscribed",
            `<p>You will no longer get emails about ${escapeHtml(EMAIL_PREFERENCE_LABELS[key].toLowerCase())}.</p>`,
          ),
        );
    },
  );

  return router;
}
