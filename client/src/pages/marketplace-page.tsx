import { useEffect, useMemo, useRef, useState } from "react";
import { currencySymbol, parseMoneyInput } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import type { ItemFilters } from "../api/http.js";
import { ItemCard } from "../components/item-card.js";
import { Link } from "../state/router.js";
import { useUnread } from "../state/unread.js";
import { useItems } from "../state/use-items.js";

const STATUS_FILTERS = ["", "available", "reserved", "sold"] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];

/** Waits for typing to settle before asking the server. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function MarketplacePage({ user }: { user: User }) {
  const [q, setQ] = useState("");
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const [status, setStatus] = useState<StatusFilter>("");
  // The price filters are in the marketplace's currency.
  const minPrice = min.trim() ? parseMoneyInput(min, "usd") : undefined;
  const maxPrice = max.trim() ? parseMoneyInput(max, "usd") : undefined;
  const minCents = minPrice?.amount;
  const maxCents = maxPrice?.amount;
  const priceError = minPrice?.error ?? maxPrice?.error;
  // One object per change of the inputs: a new one each render would restart the debounce forever.
  const typed = useMemo<ItemFilters>(
    () => ({
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(status ? { status } : {}),
      ...(typeof minCents === "number" ? { minPrice: minCents } : {}),
      ...(typeof maxCents === "number" ? { maxPrice: maxCents } : {}),
    }),
    [q, status, minCents, maxCents],
  );
  const filters = useDebounced(typed, 250);
  const { items, loading, error, hasMore, loadMore } = useItems(filters);
  const { counts, rooms } = useUnread();
  const sentinel = useRef<HTMLDivElement>(null);

  // More items as the end of the grid scrolls into view.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasMore) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) loadMore();
      },
      { rootMargin: "400px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loadMore]);

  const active = rooms.filter((room) => (counts.get(room.item.id) ?? 0) > 0);
  const filtered = Boolean(q || min || max || status);

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Marketplace</h1>
          <p className="muted">Open any item to chat with its seller and other buyers, live.</p>
        </div>
        {user.role === "seller" && (
          <Link href="/sell" className="button primary">
            Sell an item
          </Link>
        )}
      </div>

      {active.length > 0 && (
        <section className="conversations" aria-labelledby="conversations-title">
          <h2 id="conversations-title">New messages</h2>
          <ul>
            {active.map((room) => (
              <li key={room.item.id}>
                <Link href={`/items/${room.item.id}`}>
                  {room.item.title} <span className="unread inline">{counts.get(room.item.id)}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}

      <search className="filters card" aria-label="Filter items">
        <div className="filter-search">
          <label htmlFor="filter-q" className="sr-only">
            Search
          </label>
          <input
            id="filter-q"
            type="search"
            placeholder="Search items"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </div>
        <div className="filter-price">
          <label htmlFor="filter-min">Min {currencySymbol("usd")}</label>
          <input
            id="filter-min"
            inputMode="decimal"
            placeholder="0"
            aria-invalid={Boolean(minPrice?.error)}
            value={min}
            onChange={(e) => setMin(e.target.value)}
          />
          <label htmlFor="filter-max">Max {currencySymbol("usd")}</label>
          <input
            id="filter-max"
            inputMode="decimal"
            placeholder="Any"
            aria-invalid={Boolean(maxPrice?.error)}
            value={max}
            onChange={(e) => setMax(e.target.value)}
          />
          {priceError && (
            <p className="field-error filter-price-error" role="alert">
              {minPrice?.error ? "Min" : "Max"}: {priceError}
            </p>
          )}
        </div>
        <div className="filter-status">
          <label htmlFor="filter-status">Status</label>
          <select
            id="filter-status"
            value={status}
            onChange={(e) => setStatus(STATUS_FILTERS.find((value) => value === e.target.value) ?? "")}
          >
            <option value="">All</option>
            <option value="available">Available</option>
            <option value="reserved">Reserved</option>
            <option value="sold">Sold</option>
          </select>
        </div>
      </search>

      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {items.length > 0 ? (
        <ul className="grid" aria-label="Items">
          {items.map((item) => (
            <ItemCard key={item.id} item={item} unread={counts.get(item.id) ?? 0} />
          ))}
        </ul>
      ) : (
        !loading && (
          <div className="empty card">
            <h2>{filtered ? "Nothing matches these filters" : "No items yet"}</h2>
            <p className="muted">
              {filtered
                ? "Try a shorter search or a wider price range."
                : user.role === "seller"
                  ? "Be the first: list something and buyers will see it appear right away."
                  : "New listings appear here the moment sellers post them."}
            </p>
          </div>
        )
      )}
      <div ref={sentinel} className="sentinel" />
      {loading && <p className="muted center">Loading…</p>}
      {hasMore && !loading && (
        <div className="center">
          <button type="button" className="button" onClick={loadMore}>
            Show more
          </button>
        </div>
      )}
    </main>
  );
}
