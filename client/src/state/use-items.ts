import { useCallback, useEffect, useRef, useState } from "react";
import type { Item } from "../../../shared/items.js";
import { api, type ItemFilters } from "../api/http.js";
import { useRealtime } from "./realtime.js";

const PAGE = 24;

/** Would the server's listing with these filters include the item? Mirrors `GET /api/items`. */
function matches(item: Item, filters: ItemFilters): boolean {
  if (filters.status ? item.status !== filters.status : item.status === "removed") return false;
  if (filters.minPrice !== undefined && item.price.amount < filters.minPrice) return false;
  if (filters.maxPrice !== undefined && item.price.amount > filters.maxPrice) return false;
  const words = (filters.q ?? "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (words.length > 0) {
    const text = `${item.title} ${item.description}`.toLowerCase().split(/[^\p{L}\p{N}]+/u);
    if (!words.every((word) => text.some((t) => t.startsWith(word)))) return false;
  }
  return true;
}

/** The marketplace listing for some filters: pages on demand, kept live by `items:changed`. */
export function useItems(filters: ItemFilters) {
  const { socket } = useRealtime();
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const key = JSON.stringify(filters);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the filters' contents
  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    api.listItems({ ...filtersRef.current, limit: PAGE }).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      () => {
        if (mine !== generation.current) return;
        setError("Could not load the marketplace. Check your connection.");
        setLoading(false);
      },
    );
  }, [key]);

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    const mine = generation.current;
    setLoading(true);
    api.listItems({ ...filtersRef.current, limit: PAGE, cursor }).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((current) => {
          const seen = new Set(current.map((item) => item.id));
          return [...current, ...page.items.filter((item) => !seen.has(item.id))];
        });
        setCursor(page.nextCursor);
        setLoading(false);
      },
      () => {
        if (mine !== generation.current) return;
        setError("Could not load more items.");
        setLoading(false);
      },
    );
  }, [cursor, loading]);

  useEffect(() => {
    if (!socket) return;
    const onChanged = ({ item }: { item: Item }) => {
      setItems((current) => {
        const index = current.findIndex((existing) => existing.id === item.id);
        const fits = matches(item, filtersRef.current);
        if (index >= 0) {
          if (!fits) return current.filter((existing) => existing.id !== item.id);
          const next = [...current];
          next[index] = item;
          return next;
        }
        // Newest first: an item newer than everything shown belongs at the top; older ones come with paging.
        const newest = current[0];
        if (fits && (!newest || item.createdAt >= newest.createdAt)) return [item, ...current];
        return current;
      });
    };
    socket.on("items:changed", onChanged);
    return () => {
      socket.off("items:changed", onChanged);
    };
  }, [socket]);

  return { items, loading, error, hasMore: cursor !== null, loadMore };
}
