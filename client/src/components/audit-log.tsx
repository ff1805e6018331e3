import { useCallback, useEffect, useId, useState } from "react";
import type { AuditAction, AuditEntry, AuditTarget } from "../../../shared/moderation.js";
import { api } from "../api/http.js";
import { describeError } from "../state/moderation.js";
import { Link } from "../state/router.js";
import { dateTime } from "../state/time.js";

const ACTIONS: Record<AuditAction, string> = {
  hide: "Hid a message",
  restore: "Restored a message",
  remove: "Removed an item",
  suspend: "Suspended a user",
  reinstate: "Reinstated a user",
  resolve_report: "Resolved a report",
};

/** Names the console has seen, so targets read as titles and usernames rather than ids. */
export type Directory = { items: ReadonlyMap<string, string>; users: ReadonlyMap<string, string> };

function Target({ target, directory }: { target: AuditTarget; directory: Directory }) {
  const short = (id: string) => id.slice(0, 8);
  switch (target.type) {
    case "event":
      return (
        <>
          Message #{target.seq} in{" "}
          <Link href={`/items/${target.itemId}`}>
            {directory.items.get(target.itemId) ?? short(target.itemId)}
          </Link>
        </>
      );
    case "item":
      return (
        <Link href={`/items/${target.itemId}`}>
          {directory.items.get(target.itemId) ?? short(target.itemId)}
        </Link>
      );
    case "user":
      return <>{directory.users.get(target.userId) ?? `user ${short(target.userId)}`}</>;
    case "report":
      return <>Report {short(target.reportId)}</>;
  }
}

/** Every moderator action, newest first, a page at a time. */
export function AuditLog({ directory, revision }: { directory: Directory; revision: number }) {
  const id = useId();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (from?: string) => {
    setLoading(true);
    try {
      const page = await api.audit(from);
      setEntries((current) => (from && current ? [...current, ...page.entries] : page.entries));
      setCursor(page.nextCursor);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the trigger: reload after an action
  useEffect(() => {
    void load();
  }, [load, revision]);

  return (
    <section className="console-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-head plain">
        <h2 id={`${id}-title`}>Audit log</h2>
        <span className="muted">Every moderator action, newest first</span>
      </header>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {entries === null ? (
        <p className="muted" role="status">
          Loading the audit log…
        </p>
      ) : entries.length === 0 ? (
        <p className="empty card muted">No moderator has acted yet.</p>
      ) : (
        <div className="card table-wrap">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Moderator</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">
                    <time dateTime={entry.createdAt}>{dateTime(entry.createdAt)}</time>
                  </td>
                  <td className="nowrap">{entry.moderator.username}</td>
                  <td>
                    <span className={`action-tag action-${entry.action}`}>{ACTIONS[entry.action]}</span>
                  </td>
                  <td>
                    <Target target={entry.target} directory={directory} />
                  </td>
                  <td className="audit-reason">{entry.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button
          type="button"
          className="button load-more"
          disabled={loading}
          onClick={() => void load(cursor)}
        >
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
