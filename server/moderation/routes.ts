import { Router } from "express";
import { z } from "zod";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import { ZQueryInt } from "../../shared/items.js";
import {
  ZAuditQuery,
  ZModeratedUsersQuery,
  ZModerationActionRequest,
  ZReportRequest,
  ZReportsQuery,
} from "../../shared/moderation.js";
import { requireUser } from "../http/authenticate.js";
import type { RateLimiter } from "../rate-limit/rate-limiter.js";
import type { RateLimitRules } from "../rate-limit/rules.js";
import { moderationPolicy } from "./policy.js";
import { presentEvent, presentEvents } from "./redaction.js";
import type { ModerationService } from "./service.js";

const ZId = z.uuid();
const ZSeq = ZQueryInt(1, 2 ** 31 - 1);

export function moderationRoutes(
  moderation: ModerationService,
  limiter: RateLimiter,
  rules: Pick<RateLimitRules, "reportsPerUser">,
): Router {
  const router = Router();
  const id = (raw: unknown, what: string) => parseOrThrow(ZId, raw, what);
  const reason = (body: unknown) => parseOrThrow(ZModerationActionRequest, body).reason;

  // Authorization before anything else: a non-moderator learns nothing, not even what a valid body is.
  router.use("/moderation", (req, _res, next) => {
    if (!moderationPolicy.moderate(requireUser(req)))
      throw new AppError("forbidden", "Only moderators can do that");
    next();
  });

  router.post("/reports", async (req, res) => {
    const user = requireUser(req);
    const input = parseOrThrow(ZReportRequest, req.body);
    await limiter.consume(rules.reportsPerUser, user.id);
    res.status(201).json({ report: await moderation.report(user, input) });
  });

  router.get("/moderation/reports", async (req, res) => {
    const user = requireUser(req);
    const reports = await moderation.reports(user, parseOrThrow(ZReportsQuery, req.query, "query"));
    res.json({
      reports: reports.map((report) => ({
        ...report,
        event: report.event && presentEvent(report.event, user),
        context: presentEvents(report.context, user),
      })),
    });
  });

  router.post("/moderation/reports/:id/resolve", async (req, res) => {
    const user = requireUser(req);
    const report = await moderation.resolveReport(user, id(req.params.id, "report id"), reason(req.body));
    res.json({
      report: {
        ...report,
        event: report.event && presentEvent(report.event, user),
        context: presentEvents(report.context, user),
      },
    });
  });

  router.post("/moderation/items/:id/events/:seq/hide", async (req, res) => {
    const user = requireUser(req);
    const seq = parseOrThrow(ZSeq, req.params.seq, "seq");
    const event = await moderation.hide(user, id(req.params.id, "item id"), seq, reason(req.body));
    res.json({ event: presentEvent(event, user) });
  });

  router.post("/moderation/items/:id/events/:seq/restore", async (req, res) => {
    const user = requireUser(req);
    const seq = parseOrThrow(ZSeq, req.params.seq, "seq");
    const event = await moderation.restore(user, id(req.params.id, "item id"), seq, reason(req.body));
    res.json({ event: presentEvent(event, user) });
  });

  router.post("/moderation/items/:id/remove", async (req, res) => {
    const user = requireUser(req);
    res.json({ item: await moderation.removeItem(user, id(req.params.id, "item id"), reason(req.body)) });
  });

  router.get("/moderation/users", async (req, res) => {
    const user = requireUser(req);
    res.json({ users: await moderation.users(user, parseOrThrow(ZModeratedUsersQuery, req.query, "query")) });
  });

  router.post("/moderation/users/:id/suspend", async (req, res) => {
    const user = requireUser(req);
    res.json({ user: await moderation.suspend(user, id(req.params.id, "user id"), reason(req.body)) });
  });

  router.post("/moderation/users/:id/reinstate", async (req, res) => {
    const user = requireUser(req);
    res.json({ user: await moderation.reinstate(user, id(req.params.id, "user id"), reason(req.body)) });
  });

  router.get("/moderation/audit", async (req, res) => {
    const user = requireUser(req);
    res.json(await moderation.audit(user, parseOrThrow(ZAuditQuery, req.query, "query")));
  });

  return router;
}
