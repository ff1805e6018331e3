import { z } from "zod";
import { ZItemEvent } from "./events.js";
import { ZCursor, ZItemStatus, ZQueryInt, ZSellerRef } from "./items.js";
import { LIMITS } from "./limits.js";
import { ZUser } from "./users.js";

/** Why a user reports, or why a moderator acts: shown to moderators and kept in the audit log. */
export const ZReason = z.string().trim().min(1, "Give a reason").max(LIMITS.reasonMax);

/** A whole item, or one event of it when `seq` is given. */
export const ZReportRequest = z.strictObject({
  itemId: z.uuid(),
  seq: z
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .optional(),
  reason: ZReason,
});
export type ReportRequest = z.infer<typeof ZReportRequest>;

/** The body of every moderator action. */
export const ZModerationActionRequest = z.strictObject({ reason: ZReason });
export type ModerationActionRequest = z.infer<typeof ZModerationActionRequest>;

export const REPORT_STATUSES = ["open", "resolved"] as const;

export const ZReportsQuery = z.object({
  status: z.enum(REPORT_STATUSES).default("open"),
  limit: ZQueryInt(1, LIMITS.reportsPageMax).default(LIMITS.reportsPageDefault),
});
export type ReportsQuery = z.infer<typeof ZReportsQuery>;

/** `GET /api/moderation/users?suspended=true`: who is suspended now (the only listing moderators need). */
export const ZModeratedUsersQuery = z.object({
  suspended: z.literal("true", "Only suspended=true is supported"),
  limit: ZQueryInt(1, LIMITS.auditPageMax).default(LIMITS.auditPageMax),
});
export type ModeratedUsersQuery = z.infer<typeof ZModeratedUsersQuery>;

export const ZAuditQuery = z.object({
  limit: ZQueryInt(1, LIMITS.auditPageMax).default(LIMITS.auditPageDefault),
  cursor: ZCursor.optional(),
});
export type AuditQuery = z.infer<typeof ZAuditQuery>;

const ZUserRef = z.object({ id: z.uuid(), username: z.string() });

export const ZReport = z.object({
  id: z.uuid(),
  itemId: z.uuid(),
  /** The reported event, or null when the report is about the whole item. */
  seq: z.int().nullable(),
  reason: z.string(),
  status: z.enum(REPORT_STATUSES),
  reporter: ZUserRef,
  item: z.object({ id: z.uuid(), title: z.string(), status: ZItemStatus, seller: ZSellerRef }),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  resolvedBy: ZUserRef.nullable(),
  resolution: z.string().nullable(),
});
export type Report = z.infer<typeof ZReport>;

/** What moderators see: the reported event and its neighbours, unredacted. */
export const ZModeratorReport = ZReport.extend({
  event: ZItemEvent.nullable(),
  context: z.array(ZItemEvent),
});
export type ModeratorReport = z.infer<typeof ZModeratorReport>;

export const AUDIT_ACTIONS = ["hide", "restore", "remove", "suspend", "reinstate", "resolve_report"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const ZAuditTarget = z.discriminatedUnion("type", [
  z.object({ type: z.literal("event"), itemId: z.uuid(), seq: z.int() }),
  z.object({ type: z.literal("item"), itemId: z.uuid() }),
  z.object({ type: z.literal("user"), userId: z.uuid() }),
  z.object({ type: z.literal("report"), reportId: z.uuid() }),
]);
export type AuditTarget = z.infer<typeof ZAuditTarget>;

export const ZAuditEntry = z.object({
  id: z.uuid(),
  moderator: ZUserRef,
  action: z.enum(AUDIT_ACTIONS),
  target: ZAuditTarget,
  reason: z.string(),
  createdAt: z.string(),
});
export type AuditEntry = z.infer<typeof ZAuditEntry>;

/** One page of the audit log, newest first; `nextCursor` asks for the next (older) page. */
export const ZAuditPage = z.object({ entries: z.array(ZAuditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof ZAuditPage>;

/** A user as moderators see them: with the suspension. */
export const ZModeratedUser = ZUser.extend({
  suspendedAt: z.string().nullable(),
  /** The moderator's reason while suspended (moderators only). */
  suspendedReason: z.string().nullable(),
});
export type ModeratedUser = z.infer<typeof ZModeratedUser>;
