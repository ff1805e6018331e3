import { randomUUID } from "node:crypto";
import { AppError } from "../../shared/errors.js";
import type { ItemEvent, ModerationEventBody } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import { LIMITS } from "../../shared/limits.js";
import type {
  AuditAction,
  AuditQuery,
  AuditTarget,
  ModeratedUser,
  ModeratedUsersQuery,
  ModeratorReport,
  Report,
  ReportRequest,
  ReportsQuery,
} from "../../shared/moderation.js";
import type { User } from "../../shared/users.js";
import type { UserRecord } from "../auth/store.js";
import { findUserById, listSuspendedUsers, toUser } from "../auth/store.js";
import type { Bus } from "../bus.js";
import type { Db, Queryable } from "../db/db.js";
import { itemEntry, type OnItemRemoved, requireItem } from "../items/service.js";
import { setItemStatus } from "../items/store.js";
import { writeOutbox } from "../outbox/outbox.js";
import { getEvent, ITEM_EVENTS, listEvents } from "../timeline/store.js";
import type { Timeline } from "../timeline/timeline.js";
import { moderationPolicy } from "./policy.js";
import {
  getReport,
  insertAudit,
  insertReport,
  listAudit,
  listRecentlyActiveItems,
  listReports,
  lockUser,
  resolveReport,
  setEventHidden,
  setSuspended,
} from "./store.js";

export type ModerationService = ReturnType<typeof createModerationService>;

const moderatedUser = (record: UserRecord): ModeratedUser => ({
  ...toUser(record),
  suspendedAt: record.suspendedAt,
  suspendedReason: record.suspendedReason,
});

function requireModerator(user: User): void {
  if (!moderationPolicy.moderate(user)) throw new AppError("forbidden", "Only moderators can do that");
}

export function createModerationService(deps: {
  db: Db;
  timeline: Timeline;
  bus: Bus;
  onRemoved?: OnItemRemoved;
  /** Drains the outbox after a suspension's commit (item writes drain through the timeline). */
  drainOutbox: () => Promise<void>;
}) {
  const { db, timeline, bus } = deps;

  const audit = (
    tx: Queryable,
    moderator: User,
    action: AuditAction,
    target: AuditTarget,
    reason: string,
  ): Promise<void> =>
    insertAudit(tx, { id: randomUUID(), moderatorId: moderator.id, action, target, reason });

  /** The reported event and its neighbours, as a moderator sees them. */
  async function withContext(report: Report): Promise<ModeratorReport> {
    if (report.seq === null) return { ...report, event: null, context: [] };
    const from = Math.max(0, report.seq - LIMITS.reportContext - 1);
    const context = await listEvents(
      db,
      ITEM_EVENTS,
      report.itemId,
      from,
      report.seq - from + LIMITS.reportContext,
    );
    return { ...report, event: context.find((event) => event.seq === report.seq) ?? null, context };
  }

  /** Hide or restore: the projection and the `custom:moderation` event and the audit entry, in one transaction. */
  function setHidden(
    moderator: User,
    itemId: string,
    seq: number,
    reason: string,
    hide: boolean,
  ): Promise<ItemEvent> {
    requireModerator(moderator);
    return timeline.write(itemId, async (write) => {
      await requireItem(write.tx, itemId, true);
      const target = await getEvent(write.tx, ITEM_EVENTS, itemId, seq, { forUpdate: true });
      if (!target) throw new AppError("not_found", "No such event");
      if (!moderationPolicy.hide(target)) throw new AppError("conflict", "Only chat messages can be hidden");
      const hidden = target.moderation?.hidden === true;
      if (hide && hidden) throw new AppError("conflict", "This event is already hidden");
      if (!hide && !hidden) throw new AppError("conflict", "This event is not hidden");
      await setEventHidden(write.tx, itemId, seq, hide ? { reason } : null);
      const body = {
        action: hide ? "hide" : "restore",
        targetSeq: seq,
        reason,
      } satisfies ModerationEventBody;
      const event = await write.append({ type: "custom:moderation", author: null, body });
      await audit(write.tx, moderator, hide ? "hide" : "restore", { type: "event", itemId, seq }, reason);
      if (hide && target.author) {
        await write.announce({
          type: "message.hidden",
          resource: { type: "item", id: itemId },
          data: { itemId, seq, authorId: target.author.id, reason },
        });
      }
      return event;
    });
  }

  async function setUserSuspended(
    moderator: User,
    userId: string,
    reason: string,
    suspend: boolean,
  ): Promise<ModeratedUser> {
    requireModerator(moderator);
    const user = await db.transaction(async (tx) => {
      await lockUser(tx, userId);
      const record = await findUserById(tx, userId);
      if (!record) throw new AppError("not_found", "No such user");
      if (!moderationPolicy.suspend(moderator, record)) {
        throw new AppError("forbidden", "Moderators cannot suspend or reinstate moderators");
      }
      if (suspend && record.suspendedAt) throw new AppError("conflict", "This user is already suspended");
      if (!suspend && !record.suspendedAt) throw new AppError("conflict", "This user is not suspended");
      await setSuspended(tx, userId, suspend ? reason : null);
      await audit(tx, moderator, suspend ? "suspend" : "reinstate", { type: "user", userId }, reason);
      await writeOutbox(tx, {
        type: suspend ? "user.suspended" : "user.reinstated",
        resource: { type: "user", id: userId },
        data: { userId, reason },
      });
      const updated = await findUserById(tx, userId);
      return moderatedUser(updated!);
    });
    void deps.drainOutbox();
    // After commit: every socket of theirs, on every process (through the adapter), closes now.
    if (suspend) bus.emit("user.sessions_revoked", { userId });
    return user;
  }

  return {
    /** Any signed-in user reports a whole item, or one event of it. */
    async report(user: User, input: ReportRequest): Promise<Report> {
      if (!moderationPolicy.report(user)) throw new AppError("forbidden", "You cannot report");
      await requireItem(db, input.itemId);
      if (input.seq !== undefined) {
        const event = await getEvent(db, ITEM_EVENTS, input.itemId, input.seq);
        if (!event) throw new AppError("not_found", "No such event");
        if (!moderationPolicy.reportEvent(event)) {
          throw new AppError("conflict", "Moderators' messages cannot be reported");
        }
      }
      const id = randomUUID();
      await insertReport(db, {
        id,
        reporterId: user.id,
        itemId: input.itemId,
        seq: input.seq ?? null,
        reason: input.reason,
      });
      return (await getReport(db, id))!;
    },

    async reports(moderator: User, query: ReportsQuery): Promise<ModeratorReport[]> {
      requireModerator(moderator);
      const reports = await listReports(db, query.status, query.limit);
      const result: ModeratorReport[] = [];
      for (const report of reports) result.push(await withContext(report));
      return result;
    },

    async resolveReport(moderator: User, id: string, reason: string): Promise<ModeratorReport> {
      requireModerator(moderator);
      const report = await db.transaction(async (tx) => {
        const report = await getReport(tx, id, { forUpdate: true });
        if (!report) throw new AppError("not_found", "No such report");
        if (report.status === "resolved") throw new AppError("conflict", "This report is already resolved");
        await resolveReport(tx, id, moderator.id, reason);
        await audit(tx, moderator, "resolve_report", { type: "report", reportId: id }, reason);
        return (await getReport(tx, id))!;
      });
      return withContext(report);
    },

    hide: (moderator: User, itemId: string, seq: number, reason: string) =>
      setHidden(moderator, itemId, seq, reason, true),

    restore: (moderator: User, itemId: string, seq: number, reason: string) =>
      setHidden(moderator, itemId, seq, reason, false),

    /** Takes the item off the marketplace; its room stays readable but refuses messages and checkouts. */
    async removeItem(moderator: User, itemId: string, reason: string): Promise<Item> {
      requireModerator(moderator);
      return timeline.write(itemId, async (write) => {
        const item = await requireItem(write.tx, itemId, true);
        if (item.status === "removed" && !item.withdrawnAt)
          throw new AppError("item_removed", "This item is already removed");
        await setItemStatus(write.tx, itemId, "removed");
        await deps.onRemoved?.(write, item, "The item was removed by a moderator");
        const body = { action: "remove", reason } satisfies ModerationEventBody;
        await write.append({ type: "custom:moderation", author: null, body });
        await audit(write.tx, moderator, "remove", { type: "item", itemId }, reason);
        write.changed();
        const removed = await requireItem(write.tx, itemId);
        await write.announce(itemEntry("item.removed", removed, { by: "moderator", reason }));
        return removed;
      });
    },

    suspend: (moderator: User, userId: string, reason: string) =>
      setUserSuspended(moderator, userId, reason, true),

    reinstate: (moderator: User, userId: string, reason: string) =>
      setUserSuspended(moderator, userId, reason, false),

    /** Who is suspended now, with the reasons: the console's Reinstate list survives a reload. */
    async users(moderator: User, query: ModeratedUsersQuery): Promise<ModeratedUser[]> {
      requireModerator(moderator);
      return (await listSuspendedUsers(db, query.limit)).map(moderatedUser);
    },

    async audit(moderator: User, query: AuditQuery) {
      requireModerator(moderator);
      return listAudit(db, query);
    },

    /** What a moderator's live console starts with: the most recently active items. */
    async watch(moderator: User): Promise<Item[]> {
      requireModerator(moderator);
      return listRecentlyActiveItems(db, LIMITS.watchItems);
    },
  };
}
