import { useEffect, useMemo, useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import type { User } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { AuditLog, type Directory } from "../components/audit-log.js";
import { ResolvePanel } from "../components/deal-fulfilment.js";
import { LiveStream } from "../components/live-stream.js";
import { moderationActions } from "../components/moderation-actions.js";
import { useReasonDialog } from "../components/reason-dialog.js";
import { ReportsQueue } from "../components/reports-queue.js";
import { Link } from "../state/router.js";
import { recordSuspension, useSuspended } from "../state/suspended.js";
import { useDeals } from "../state/use-deals.js";
import { useModerationFeed } from "../state/use-moderation-feed.js";
import { DealRow } from "./deals-page.js";

export type ConsoleTab = "live" | "reports" | "audit" | "deals";

const TABS: { tab: ConsoleTab; href: string; label: string }[] = [
  { tab: "live", href: "/console", label: "Live stream" },
  { tab: "reports", href: "/console/reports", label: "Reports" },
  { tab: "audit", href: "/console/audit", label: "Audit log" },
  { tab: "deals", href: "/console/deals", label: "Deals" },
];

/** Disputed deals, each with the resolve panel beside a link to its thread; they leave once settled. */
function Disputes() {
  const [deals, setDeals] = useState<Deal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.deals(undefined, undefined, 50, "disputed").then(
      (page) => setDeals(page.deals),
      () => setError("Could not load the disputes. Check your connection."),
    );
  }, []);
  if (error) {
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  }
  if (!deals || deals.length === 0) return null;
  const settled = (deal: Deal) => setDeals((current) => current?.filter((d) => d.id !== deal.id) ?? null);
  return (
    <section className="card console-panel disputes" aria-labelledby="disputes-title">
      <h2 id="disputes-title" className="disputes-title">
        Disputes
      </h2>
      <ul className="dispute-list">
        {deals.map((deal) => (
          <li key={deal.id} className="dispute">
            <ul className="deal-list">
              <DealRow deal={deal} side={undefined} />
            </ul>
            <ResolvePanel deal={deal} onChanged={settled} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Every deal, newest activity first; each opens its page, private thread included. */
function AllDeals() {
  const { deals, loading, error, hasMore, loadMore } = useDeals(undefined);
  return (
    <section className="card console-panel" aria-label="Deals">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {deals.length > 0 ? (
        <ul className="deal-list">
          {deals.map((deal) => (
            <DealRow key={deal.id} deal={deal} side={undefined} />
          ))}
        </ul>
      ) : (
        !loading && !error && <p className="empty">No deals yet.</p>
      )}
      {hasMore && !loading && (
        <button type="button" className="button load-more" onClick={loadMore}>
          Show more
        </button>
      )}
    </section>
  );
}

/** The moderators' console: every room live, the reports queue, and the audit log. */
export function ConsolePage({ user, tab }: { user: User; tab: ConsoleTab }) {
  const feed = useModerationFeed();
  const { ask, dialog } = useReasonDialog();
  const suspended = useSuspended();
  // Any action changes what the queue and the log show: they reload when this moves.
  const [revision, setRevision] = useState(0);
  const changed = () => setRevision((r) => r + 1);
  const actions = moderationActions(ask, {
    onEvent: (event) => {
      feed.merge([event]);
      changed();
    },
    onItem: (item) => {
      feed.updateItem(item);
      changed();
    },
    onUser: (moderated) => {
      recordSuspension(moderated);
      changed();
    },
  });

  const directory = useMemo<Directory>(() => {
    const items = new Map<string, string>();
    const users = new Map<string, string>();
    for (const item of feed.items) {
      items.set(item.id, item.title);
      users.set(item.seller.id, item.seller.username);
    }
    for (const event of feed.events) if (event.author) users.set(event.author.id, event.author.username);
    return { items, users };
  }, [feed.items, feed.events]);

  return (
    <main className="page console-page">
      <header className="console-head">
        <div>
          <h1>Moderation console</h1>
          <p className="muted">
            Signed in as <strong>{user.displayName}</strong>. Every action asks for a reason and is audited.
          </p>
        </div>
        <nav className="console-tabs" aria-label="Console">
          {TABS.map((t) => (
            <Link key={t.tab} href={t.href} aria-current={t.tab === tab ? "page" : undefined}>
              {t.label}
            </Link>
          ))}
        </nav>
      </header>
      {tab === "live" && <LiveStream feed={feed} actions={actions} suspended={suspended} />}
      {tab === "reports" && (
        <ReportsQueue
          actions={actions}
          suspended={suspended}
          ask={ask}
          revision={revision}
          onChanged={changed}
        />
      )}
      {tab === "audit" && <AuditLog directory={directory} revision={revision} />}
      {tab === "deals" && (
        <>
          <Disputes />
          <AllDeals />
        </>
      )}
      {dialog}
    </main>
  );
}
