import { useCallback, useEffect, useRef, useState } from "react";
import type { Item } from "../../../shared/items.js";
import { api, type ItemFilters } from "../api/http.js";
import { subscribeItems, unsubscribeItems } from "../api/socket.js";
import { useRealtime } from "./realtime.js";

const PAGE = 24;

/**
 * Would the server's listing with these filters include the item? Mirrors `GET /api/items` for the
 * filters a change can be judged on here; a keyword search forgives typos and plurals, which only the
 * server knows, so under a search an item already shown is updated but a new one is not added.
 */
function matches(item: Item, filters: ItemFilters): boolean {
  if (filters.status ? item.status !== filters.status : item.status === "removed") return false;
  if (filters.minPrice !== undefined && item.price.amount < filters.minPrice) return false;
  if (filters.maxPrice !== undefined && item.price.amount > filters.maxPrice) return false;
  if (filters.sellerId && item.seller.id !== filters.sellerId) return false;
  if (
    filters.category &&
    !(item.category === filters.category || item.category?.startsWith(`${filters.category}/`))
  )
    return false;
  if (filters.condition && !(item.condition && filters.condition.split(",").includes(item.condition)))
    return false;
  if (filters.tag && !item.tags.includes(filters.tag)) return false;
  return true;
}

/** New items go on top only when the list is newest first and not a keyword search. */
const newestFirst = (filters: ItemFilters) => !filters.q && (!filters.sort || filters.sort === "newest");

/**
 * The marketplace listing for some filters: pages on demand, kept live by `items:changed`, which the
 * socket asks for (`items:subscribe`) while the grid is on screen, and again after every reconnect.
 */
export function useItems(filters: ItemFilters) {
  const { socket, epoch } = useRealtime();
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
        if (fits && newestFirst(filtersRef.current) && (!newest || item.createdAt >= newest.createdAt))
          return [item, ...current];
        return current;
      });
    };
    socket.on("items:changed", onChanged);
    return () => {
      socket.off("items:changed", onChanged);
    };
  }, [socket]);

  // Subscribed while the grid is mounted; a reconnect (epoch) is a new server-side socket: ask again.
  useEffect(() => {
    if (!socket || epoch === 0) return;
    subscribeItems(socket).catch(() => {});
    return () => {
      if (socket.connected) unsubscribeItems(socket).catch(() => {});
    };
  }, [socket, epoch]);

  return { items, loading, error, hasMore: cursor !== null, loadMore };
}
