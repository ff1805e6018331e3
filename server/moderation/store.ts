import type { Item } from "../../shared/items.js";
import type { AuditAction, AuditEntry, AuditQuery, AuditTarget, Report } from "../../shared/moderation.js";
import { ZAuditTarget } from "../../shared/moderation.js";
import type { Queryable } from "../db/db.js";
import { getItem } from "../items/store.js";

type ReportRow = {
  id: string;
  item_id: string;
  seq: number | null;
  reason: string;
  status: Report["status"];
  created_at: Date;
  resolved_at: Date | null;
  resolution: string | null;
  reporter_id: string;
  reporter_username: string;
  resolver_id: string | null;
  resolver_username: string | null;
  item_title: string;
  item_status: Item["status"];
  seller_id: string;
  seller_username: string;
  seller_display_name: string;
};

const SELECT_REPORTS = `
  select r.id, r.item_id, r.seq, r.reason, r.status, r.created_at, r.resolved_at, r.resolution,
         reporter.id as reporter_id, reporter.username as reporter_username,
         resolver.id as resolver_id, resolver.username as resolver_username,
         i.title as item_title, i.status as item_status,
         seller.id as seller_id, seller.username as seller_username, seller.display_name as seller_display_name
  from reports r
  join users reporter on reporter.id = r.reporter_id
  left join users resolver on resolver.id = r.resolved_by
  join items i on i.id = r.item_id
  join users seller on seller.id = i.seller_id`;

function toReport(row: ReportRow): Report {
  return {
    id: row.id,
    itemId: row.item_id,
    seq: row.seq,
    reason: row.reason,
    status: row.status,
    reporter: { id: row.reporter_id, username: row.reporter_username },
    item: {
      id: row.item_id,
      title: row.item_title,
      status: row.item_status,
      seller: { id: row.seller_id, username: row.seller_username, displayName: row.seller_display_name },
    },
    createdAt: row.created_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolvedBy:
      row.resolver_id && row.resolver_username
        ? { id: row.resolver_id, username: row.resolver_username }
        : null,
    resolution: row.resolution,
  };
}

export async function insertReport(
  q: Queryable,
  report: { id: string; reporterId: string; itemId: string; seq: number | null; reason: string },
): Promise<void> {
  await q.query("insert into reports (id, reporter_id, item_id, seq, reason) values ($1, $2, $3, $4, $5)", [
    report.id,
    report.reporterId,
    report.itemId,
    report.seq,
    report.reason,
  ]);
}

export async function getReport(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Report | null> {
  const [row] = await q.query<ReportRow>(
    `${SELECT_REPORTS} where r.id = $1${options.forUpdate ? " for update of r" : ""}`,
    [id],
  );
  return row ? toReport(row) : null;
}

/** Open reports oldest first (a queue); resolved ones most recently resolved first. */
export async function listReports(q: Queryable, status: Report["status"], limit: number): Promise<Report[]> {
  const order = status === "open" ? "r.created_at, r.id" : "r.resolved_at desc, r.id";
  const rows = await q.query<ReportRow>(`${SELECT_REPORTS} where r.status = $1 order by ${order} limit $2`, [
    status,
    limit,
  ]);
  return rows.map(toReport);
}

export async function resolveReport(
  q: Queryable,
  id: string,
  moderatorId: string,
  resolution: string,
): Promise<void> {
  await q.query(
    "update reports set status = 'resolved', resolved_at = now(), resolved_by = $2, resolution = $3 where id = $1",
    [id, moderatorId, resolution],
  );
}

/** Projects a hide or restore onto its target event. */
export async function setEventHidden(
  q: Queryable,
  itemId: string,
  seq: number,
  hidden: { reason: string } | null,
): Promise<void> {
  await q.query(
    `update events set hidden = $3, hidden_reason = $4, hidden_at = case when $3 then now() else null end
     where item_id = $1 and seq = $2`,
    [itemId, seq, hidden !== null, hidden?.reason ?? null],
  );
}

/** Suspends with the moderator's reason (revoking every token issued so far), or reinstates (`reason` null). */
export async function setSuspended(q: Queryable, userId: string, reason: string | null): Promise<void> {
  await q.query(
    reason !== null
      ? `update users set suspended_at = now(), suspended_reason = $2, token_version = token_version + 1
         where id = $1`
      : "update users set suspended_at = null, suspended_reason = null where id = $1",
    reason !== null ? [userId, reason] : [userId],
  );
}

type AuditRow = {
  id: string;
  position: string | number;
  action: AuditAction;
  target: unknown;
  reason: string;
  created_at: Date;
  moderator_id: string;
  moderator_username: string;
};

export async function insertAudit(
  q: Queryable,
  entry: { id: string; moderatorId: string; action: AuditAction; target: AuditTarget; reason: string },
): Promise<void> {
  await q.query(
    "insert into audit_log (id, moderator_id, action, target, reason) values ($1, $2, $3, $4, $5)",
    [entry.id, entry.moderatorId, entry.action, JSON.stringify(entry.target), entry.reason],
  );
}

/** Newest first; the cursor is the position of the last entry of the page. */
export async function listAudit(
  q: Queryable,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const params: unknown[] = [query.limit + 1];
  const after = query.cursor ? `where a.position < $${params.push(query.cursor)}` : "";
  const rows = await q.query<AuditRow>(
    `select a.id, a.position, a.action, a.target, a.reason, a.created_at,
            u.id as moderator_id, u.username as moderator_username
     from audit_log a join users u on u.id = a.moderator_id
     ${after} order by a.position desc limit $1`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    entries: page.map((row) => ({
      id: row.id,
      moderator: { id: row.moderator_id, username: row.moderator_username },
      action: row.action,
      target: ZAuditTarget.parse(row.target),
      reason: row.reason,
      createdAt: row.created_at.toISOString(),
    })),
    nextCursor: rows.length > query.limit && last ? String(last.position) : null,
  };
}

/** The items with the most recent activity, removed ones included: moderators see everything. */
export async function listRecentlyActiveItems(q: Queryable, limit: number): Promise<Item[]> {
  const rows = await q.query<{ id: string }>(
    "select id from items order by last_event_at desc, id limit $1",
    [limit],
  );
  const items: Item[] = [];
  for (const row of rows) {
    const item = await getItem(q, row.id);
    if (item) items.push(item);
  }
  return items;
}

/** Locks the user's row until the transaction ends, so two moderators' actions on one user queue up. */
export async function lockUser(q: Queryable, userId: string): Promise<void> {
  await q.query("select 1 from users where id = $1 for update", [userId]);
}
