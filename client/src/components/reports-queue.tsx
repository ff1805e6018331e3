import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { ModeratorReport } from "../../../shared/moderation.js";
import { api, type ReportStatus } from "../api/http.js";
import { describeError } from "../state/moderation.js";
import { Link } from "../state/router.js";
import { clock, dateTime } from "../state/time.js";
import { eventSummary } from "./event-registry.js";
import type { ModerationActions } from "./moderation-actions.js";
import type { ReasonRequest } from "./reason-dialog.js";
import { StatusBadge } from "./status-badge.js";

/** New reports have no live event: the queue polls while it is on screen. */
const POLL_MS = 15_000;

function ReportCard(props: {
  report: ModeratorReport;
  actions: ModerationActions;
  suspended: ReadonlySet<string>;
  ask(request: ReasonRequest): void;
  onChanged(): void;
}) {
  const { report, actions } = props;
  const id = useId();
  const target = report.event;
  const author = target?.author ?? null;
  const open = report.status === "open";
  const isMessage = target?.type === "text";
  return (
    <article className="card report" aria-labelledby={`${id}-title`}>
      <header className="report-head">
        <span className={`report-kind${report.seq === null ? " item" : ""}`}>
          {report.seq === null ? "Item" : "Message"}
        </span>
        <h3 id={`${id}-title`}>
          <Link href={`/items/${report.itemId}`}>{report.item.title}</Link>
        </h3>
        <StatusBadge status={report.item.status} />
        <span className="report-meta muted">
          Reported by <strong>{report.reporter.username}</strong> ·{" "}
          <time dateTime={report.createdAt}>{dateTime(report.createdAt)}</time>
        </span>
      </header>
      <p className="report-reason">
        <span className="label">Reason</span>
        <span>{report.reason}</span>
      </p>
      {report.context.length > 0 && (
        <ol className="context" aria-label="The reported message in context">
          {report.context.map((event) => {
            const reported = event.seq === report.seq;
            return (
              <li
                key={event.seq}
                className={`context-row${reported ? " reported" : ""}${event.moderation ? " moderated" : ""}`}
                aria-current={reported ? "true" : undefined}
              >
                <time dateTime={event.createdAt}>{clock(event.createdAt)}</time>
                <span className="context-author">{event.author?.displayName ?? "System"}</span>
                <span className="context-text">
                  {event.moderation && <span className="hidden-tag">Hidden</span>}
                  {eventSummary(event).text}
                </span>
                <span>{reported && <span className="reported-tag">Reported</span>}</span>
              </li>
            );
          })}
        </ol>
      )}
      {target?.moderation && (
        <p className="hidden-mark">
          <span className="hidden-tag">Hidden</span> {target.moderation.reason}
        </p>
      )}
      {report.status === "resolved" && (
        <p className="resolution">
          Resolved by <strong>{report.resolvedBy?.username ?? "a moderator"}</strong>
          {report.resolvedAt && (
            <>
              {" "}
              · <time dateTime={report.resolvedAt}>{dateTime(report.resolvedAt)}</time>
            </>
          )}
          {report.resolution && <>: {report.resolution}</>}
        </p>
      )}
      <div className="report-actions">
        {target && isMessage && !target.moderation && (
          <button type="button" className="button small danger-outline" onClick={() => actions.hide(target)}>
            Hide message
          </button>
        )}
        {target && isMessage && target.moderation && (
          <button type="button" className="button small" onClick={() => actions.restore(target)}>
            Restore message
          </button>
        )}
        {report.item.status !== "removed" && (
          <button
            type="button"
            className="button small danger-outline"
            onClick={() => actions.removeItem(report.item)}
          >
            Remove item
          </button>
        )}
        {author &&
          author.role !== "moderator" &&
          (props.suspended.has(author.id) ? (
            <button type="button" className="button small" onClick={() => actions.reinstate(author)}>
              Reinstate author
            </button>
          ) : (
            <button type="button" className="button small" onClick={() => actions.suspend(author)}>
              Suspend author
            </button>
          ))}
        {!author &&
          (props.suspended.has(report.item.seller.id) ? (
            <button
              type="button"
              className="button small"
              onClick={() => actions.reinstate(report.item.seller)}
            >
              Reinstate seller
            </button>
          ) : (
            <button
              type="button"
              className="button small"
              onClick={() => actions.suspend(report.item.seller)}
            >
              Suspend seller
            </button>
          ))}
        {open && (
          <button
            type="button"
            className="button small primary push-right"
            onClick={() =>
              props.ask({
                title: "Resolve this report",
                subject: (
                  <p>
                    Reported by <strong>{report.reporter.username}</strong>: {report.reason}
                  </p>
                ),
                label: "Resolution (what was done, kept in the audit log)",
                confirmLabel: "Resolve report",
                run: async (reason) => {
                  await api.resolveReport(report.id, reason);
                  props.onChanged();
                  return "Report resolved.";
                },
              })
            }
          >
            Resolve
          </button>
        )}
      </div>
    </article>
  );
}

/** The queue: open reports oldest first, or the resolved ones newest first. */
export function ReportsQueue(props: {
  actions: ModerationActions;
  suspended: ReadonlySet<string>;
  ask(request: ReasonRequest): void;
  /** Bumped by the console after any action, so the cards show the new state. */
  revision: number;
  onChanged(): void;
}) {
  const id = useId();
  const [status, setStatus] = useState<ReportStatus>("open");
  const [reports, setReports] = useState<ModeratorReport[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const shown = useRef(status);
  shown.current = status;

  const load = useCallback(async (which: ReportStatus) => {
    setLoading(true);
    try {
      const { reports: loaded } = await api.reports(which);
      // A slow answer for the other tab must not replace this one.
      if (which !== shown.current) return;
      setReports(loaded);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the trigger: reload after an action
  useEffect(() => {
    void load(status);
    const timer = setInterval(() => void load(status), POLL_MS);
    return () => clearInterval(timer);
  }, [status, load, props.revision]);

  return (
    <section className="console-panel reports-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-head plain">
        <h2 id={`${id}-title`}>Reports</h2>
        <fieldset className="segmented">
          <legend className="sr-only">Which reports</legend>
          {(["open", "resolved"] as const).map((which) => (
            <button
              key={which}
              type="button"
              aria-pressed={status === which}
              onClick={() => {
                setReports(null);
                setStatus(which);
              }}
            >
              {which === "open" ? "Open" : "Resolved"}
            </button>
          ))}
        </fieldset>
        <button
          type="button"
          className="button small ghost"
          onClick={() => void load(status)}
          disabled={loading}
        >
          {loading ? "Refreshing…" : "Refresh"}
        </button>
      </header>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {reports === null ? (
        <p className="muted" role="status">
          Loading reports…
        </p>
      ) : reports.length === 0 ? (
        <p className="empty card muted">
          {status === "open" ? "No open reports. The queue is clear." : "No resolved reports yet."}
        </p>
      ) : (
        <ol className="report-list" aria-label={status === "open" ? "Open reports" : "Resolved reports"}>
          {reports.map((report) => (
            <li key={report.id}>
              <ReportCard
                report={report}
                actions={props.actions}
                suspended={props.suspended}
                ask={props.ask}
                onChanged={props.onChanged}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
