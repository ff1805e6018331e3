import type { Deal } from "../../../shared/deals.js";
import { formatMoney } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { ItemImage } from "../components/item-image.js";
import { SellerBalance } from "../components/seller-balance.js";
import { stateLabel } from "../state/deal-words.js";
import { Link } from "../state/router.js";
import { chatTime, dayTime, hourMinute } from "../state/time.js";
import { type DealRole, useDeals } from "../state/use-deals.js";

const TITLES: Record<DealRole, string> = { buyer: "My purchases", seller: "My sales" };
const EMPTY: Record<DealRole, string> = {
  buyer: "Nothing bought yet. Find something in the marketplace.",
  seller: "No sales yet. When someone buys one of your items, it shows here.",
};

/** What a row says besides the state: who is on the other side, and what comes next. */
function rowLine(deal: Deal, role: DealRole | undefined): string {
  if (!role) return `${deal.buyer.displayName} from ${deal.seller.displayName}`;
  const who = role === "buyer" ? `from ${deal.seller.displayName}` : `to ${deal.buyer.displayName}`;
  if (deal.state === "reserved" && deal.nextDeadline) {
    return role === "buyer"
      ? `${who} · pay by ${hourMinute(deal.nextDeadline)}`
      : `${who} · reserved until ${hourMinute(deal.nextDeadline)}`;
  }
  if (deal.state === "paid" && role === "seller") {
    if (!deal.shipping) return `${who} · next: hand it over`;
    return deal.nextDeadline ? `${who} · ship by ${dayTime(deal.nextDeadline)}` : `${who} · next: send it`;
  }
  if (deal.state === "disputed") return `${who} · a problem was reported`;
  if (deal.state === "shipped" && role === "buyer") return `${who} · on its way`;
  return who;
}

/** Deals waiting for the reader: a step is theirs to take (to ship, an offer to answer), or a dispute runs. */
export const needsAction = (deal: Deal) => deal.transitions.length > 0 || deal.state === "disputed";

/** One deal in a list, the whole row a link to its page; `side` is the reader's side, if any. */
export function DealRow({ deal, side }: { deal: Deal; side: DealRole | undefined }) {
  return (
    <li className="deal-row" data-deal-id={deal.id}>
      <Link href={`/deals/${deal.id}`} className="deal-row-link">
        <ItemImage id={deal.item.id} title={deal.item.title} url={deal.item.imageUrl} />
        <span className="deal-row-main">
          <span className="deal-row-title">{deal.item.title}</span>
          <span className="deal-row-line">{rowLine(deal, side)}</span>
        </span>
        <span className="deal-row-side">
          <span className={`deal-state deal-state-${deal.state}`}>{stateLabel(deal.state)}</span>
          <span className="deal-row-total">{formatMoney(deal.total)}</span>
          <time className="muted small" dateTime={deal.updatedAt}>
            {chatTime(deal.updatedAt)}
          </time>
        </span>
      </Link>
    </li>
  );
}

/** "My purchases" or "My sales", live. */
export function DealsPage({ side: role, user }: { side: DealRole; user: User }) {
  const { deals, loading, error, hasMore, loadMore } = useDeals(role);
  // What needs the reader first (to ship, disputes, offers to answer), then the rest; each newest first.
  const waiting = deals.filter(needsAction);
  const rest = deals.filter((deal) => !needsAction(deal));
  return (
    <main className="page narrow deals-page">
      <div className="page-head">
        <h1>{TITLES[role]}</h1>
      </div>
      {user.role === "seller" && (
        <nav className="segmented deals-tabs" aria-label="Your deals">
          <Link href="/purchases" aria-current={role === "buyer" ? "page" : undefined}>
            Purchases
          </Link>
          <Link href="/sales" aria-current={role === "seller" ? "page" : undefined}>
            Sales
          </Link>
        </nav>
      )}
      {role === "seller" && <SellerBalance />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {waiting.length > 0 && (
        <section className="deals-waiting" aria-labelledby="deals-waiting-title">
          <h2 id="deals-waiting-title" className="deals-section-title">
            {role === "seller" ? "Needs your action" : "Waiting for you"}
          </h2>
          <ul className="deal-list" aria-label={role === "seller" ? "Needs your action" : "Waiting for you"}>
            {waiting.map((deal) => (
              <DealRow key={deal.id} deal={deal} side={role} />
            ))}
          </ul>
        </section>
      )}
      {rest.length > 0 ? (
        <>
          {waiting.length > 0 && <h2 className="deals-section-title">Everything else</h2>}
          <ul className="deal-list" aria-label={TITLES[role]}>
            {rest.map((deal) => (
              <DealRow key={deal.id} deal={deal} side={role} />
            ))}
          </ul>
        </>
      ) : (
        !loading && !error && waiting.length === 0 && <p className="empty">{EMPTY[role]}</p>
      )}
      {loading && <p className="muted">Loading…</p>}
      {hasMore && !loading && (
        <button type="button" className="button load-more" onClick={loadMore}>
          Show more
        </button>
      )}
    </main>
  );
}
