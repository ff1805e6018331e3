import { useEffect, useMemo, useRef, useState } from "react";
import type { Category } from "../../../shared/categories.js";
import { CONDITION_NAMES, CONDITIONS, isCondition, SORTS, type Sort } from "../../../shared/items.js";
import { currencySymbol, formatMoneyInput, parseMoneyInput } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { ApiRequestError, api, type ItemFilters } from "../api/http.js";
import { ItemCard } from "../components/item-card.js";
import { askToSignIn, Link, navigate, useSearchParams } from "../state/router.js";
import { useToast } from "../state/toasts.js";
import { useUnread } from "../state/unread.js";
import { useCategories } from "../state/use-categories.js";
import { useItems } from "../state/use-items.js";

const STATUSES = ["available", "reserved", "sold"] as const;
const SORT_NAMES: Record<Sort, string> = {
  relevance: "Best match",
  newest: "Newest",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  ending_soon: "Ending soon",
};

/** Waits for typing to settle before acting on it. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The marketplace's filters, read from the address: every filter is in the URL, so it survives a reload and can be shared. */
function filtersFrom(params: URLSearchParams): ItemFilters {
  const pick = <T extends string>(key: string, allowed: readonly T[]) =>
    allowed.find((value) => value === params.get(key));
  const price = (key: string) => {
    const value = params.get(key);
    return value && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
  };
  const condition = (params.get("condition") ?? "")
    .split(",")
    .filter((value) => CONDITIONS.some((known) => known === value))
    .join(",");
  const filters: ItemFilters = {
    q: params.get("q")?.trim() || undefined,
    category: params.get("category") || undefined,
    condition: condition || undefined,
    status: pick("status", STATUSES),
    sort: pick("sort", SORTS),
    minPrice: price("minPrice"),
    maxPrice: price("maxPrice"),
  };
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
}

/** The address for `filters`; the marketplace replaces its history entry as filters change. */
export function marketplaceUrl(filters: ItemFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `/?${search}` : "/";
}

function CategorySelect({
  categories,
  value,
  onChange,
}: {
  categories: Category[];
  value: string;
  onChange: (value: string) => void;
}) {
  const top = categories.filter((category) => category.parentId === null);
  return (
    <select id="filter-category" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">All categories</option>
      {top.map((parent) => (
        <optgroup key={parent.id} label={parent.name}>
          <option value={parent.id}>All {parent.name.toLowerCase()}</option>
          {categories
            .filter((category) => category.parentId === parent.id)
            .map((child) => (
              <option key={child.id} value={child.id}>
                {child.name}
              </option>
            ))}
        </optgroup>
      ))}
    </select>
  );
}

export function MarketplacePage({ user }: { user: User | null }) {
  const params = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const categories = useCategories();
  const toast = useToast();
  // The text boxes are edited locally and reach the URL once typing settles.
  const [q, setQ] = useState(filters.q ?? "");
  // The price filters are in the marketplace's currency, typed as people write money (shared/money.ts).
  const [min, setMin] = useState(
    filters.minPrice === undefined ? "" : formatMoneyInput(filters.minPrice, "usd"),
  );
  const [max, setMax] = useState(
    filters.maxPrice === undefined ? "" : formatMoneyInput(filters.maxPrice, "usd"),
  );
  const minPrice = min.trim() ? parseMoneyInput(min, "usd") : undefined;
  const maxPrice = max.trim() ? parseMoneyInput(max, "usd") : undefined;
  const minCents = minPrice?.amount;
  const maxCents = maxPrice?.amount;
  const priceError = minPrice?.error ?? maxPrice?.error;
  const typed = useDebounced(
    useMemo(() => ({ q: q.trim(), minCents, maxCents }), [q, minCents, maxCents]),
    300,
  );
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  useEffect(() => {
    const current = filtersRef.current;
    const next: ItemFilters = {
      ...current,
      q: typed.q || undefined,
      minPrice: typeof typed.minCents === "number" ? typed.minCents : undefined,
      maxPrice: typeof typed.maxCents === "number" ? typed.maxCents : undefined,
    };
    // A new search ranks by relevance unless a sort was chosen for it.
    if (next.q !== current.q && current.sort === "relevance") next.sort = undefined;
    navigate(marketplaceUrl(next), { replace: true });
  }, [typed]);
  const setFilter = (change: Partial<ItemFilters>) =>
    navigate(marketplaceUrl({ ...filtersRef.current, ...change }), { replace: true });

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
  const filtered = Object.keys(filters).some((key) => key !== "sort");
  const conditions = new Set(filters.condition?.split(",") ?? []);
  const toggleCondition = (value: string) => {
    const next = new Set(conditions);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    setFilter({ condition: CONDITIONS.filter((known) => next.has(known)).join(",") || undefined });
  };

  const saveSearch = async () => {
    if (!user) return askToSignIn();
    const category = categories.find((c) => c.id === filters.category)?.name;
    const name = [filters.q, category].filter(Boolean).join(" in ") || "My search";
    try {
      await api.saveSearch({
        name,
        query: {
          ...(filters.q ? { q: filters.q } : {}),
          ...(filters.category ? { category: filters.category } : {}),
          ...(filters.condition ? { condition: filters.condition.split(",").filter(isCondition) } : {}),
          ...(filters.minPrice !== undefined ? { minPrice: filters.minPrice } : {}),
          ...(filters.maxPrice !== undefined ? { maxPrice: filters.maxPrice } : {}),
        },
      });
      toast.show("success", `Saved "${name}". Find it under Saved.`);
    } catch (caught) {
      toast.show("error", caught instanceof ApiRequestError ? caught.message : "Could not save this search.");
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Marketplace</h1>
          <p className="muted">Open any item to chat with its seller and other buyers, live.</p>
        </div>
        {user?.role === "seller" && (
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
        <div className="filter-category">
          <label htmlFor="filter-category">Category</label>
          <CategorySelect
            categories={categories}
            value={filters.category ?? ""}
            onChange={(value) => setFilter({ category: value || undefined })}
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
            value={filters.status ?? ""}
            onChange={(e) => setFilter({ status: STATUSES.find((value) => value === e.target.value) })}
          >
            <option value="">All</option>
            <option value="available">Available</option>
            <option value="reserved">Reserved</option>
            <option value="sold">Sold</option>
          </select>
        </div>
        <div className="filter-sort">
          <label htmlFor="filter-sort">Sort</label>
          <select
            id="filter-sort"
            value={filters.sort ?? (filters.q ? "relevance" : "newest")}
            onChange={(e) => setFilter({ sort: SORTS.find((value) => value === e.target.value) })}
          >
            {SORTS.filter((sort) => sort !== "relevance" || filters.q).map((sort) => (
              <option key={sort} value={sort}>
                {SORT_NAMES[sort]}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="filter-conditions">
          <legend>Condition</legend>
          {CONDITIONS.map((value) => (
            <label key={value} className={`chip-toggle${conditions.has(value) ? " on" : ""}`}>
              <input
                type="checkbox"
                checked={conditions.has(value)}
                onChange={() => toggleCondition(value)}
              />
              {CONDITION_NAMES[value]}
            </label>
          ))}
        </fieldset>
        {filtered && (
          <div className="filter-actions">
            <button type="button" className="button small" onClick={saveSearch}>
              Save this search
            </button>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setQ("");
                setMin("");
                setMax("");
                navigate("/", { replace: true });
              }}
            >
              Clear filters
            </button>
          </div>
        )}
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
                ? "Try a shorter search, another category or a wider price range."
                : user?.role === "seller"
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
