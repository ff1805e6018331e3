import { useEffect, useState } from "react";
import { categoryName } from "../../../shared/categories.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import type { SavedSearch } from "../../../shared/saved-searches.js";
import { api } from "../api/http.js";
import { ItemCard } from "../components/item-card.js";
import { useFavorites } from "../state/favorites.js";
import { Link } from "../state/router.js";
import { useToast } from "../state/toasts.js";
import { marketplaceUrl } from "./marketplace-page.js";

/** A saved search in words: "tables · Furniture · up to $100.00". */
function describe(search: SavedSearch): string {
  const { q, category, condition, minPrice, maxPrice } = search.query;
  const money = (amount: number) => formatMoney({ amount: Math.max(1, amount), currency: "usd" });
  return [
    q && `"${q}"`,
    category && categoryName(category),
    condition?.length && condition.join(", ").replaceAll("_", " "),
    minPrice !== undefined && `from ${money(minPrice)}`,
    maxPrice !== undefined && `up to ${money(maxPrice)}`,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** What the person keeps an eye on: their favourite items and their saved searches. */
export function SavedPage() {
  const favorites = useFavorites();
  const toast = useToast();
  const [items, setItems] = useState<Item[] | null>(null);
  const [searches, setSearches] = useState<SavedSearch[] | null>(null);

  useEffect(() => {
    api.favorites().then(
      (response) => setItems(response.items),
      () => setItems([]),
    );
    api.savedSearches().then(
      (response) => setSearches(response.savedSearches),
      () => setSearches([]),
    );
  }, []);

  const remove = async (search: SavedSearch) => {
    try {
      await api.deleteSavedSearch(search.id);
      setSearches((current) => current?.filter((s) => s.id !== search.id) ?? null);
    } catch {
      toast.show("error", "Could not delete the search. Try again.");
    }
  };

  const shown = items?.filter((item) => favorites.has(item.id)) ?? [];
  return (
    <main className="page">
      <h1>Saved</h1>
      <section aria-labelledby="saved-searches">
        <h2 id="saved-searches">Searches</h2>
        {searches && searches.length === 0 && (
          <p className="muted">
            No saved searches. Search or filter the marketplace, then choose "Save this search".
          </p>
        )}
        <ul className="saved-searches">
          {searches?.map((search) => (
            <li key={search.id} className="card">
              <Link
                href={marketplaceUrl({
                  q: search.query.q,
                  category: search.query.category,
                  condition: search.query.condition?.join(","),
                  minPrice: search.query.minPrice,
                  maxPrice: search.query.maxPrice,
                })}
              >
                <strong>{search.name}</strong>
              </Link>
              <span className="muted">{describe(search)}</span>
              <button type="button" className="link-button" onClick={() => remove(search)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="saved-items">
        <h2 id="saved-items">Items</h2>
        {items && shown.length === 0 && <p className="muted">Tap the heart on an item to keep it here.</p>}
        <ul className="grid" aria-label="Saved items">
          {shown.map((item) => (
            <ItemCard key={item.id} item={item} unread={0} />
          ))}
        </ul>
      </section>
    </main>
  );
}
