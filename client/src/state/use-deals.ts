import { useCallback, useEffect, useRef, useState } from "react";
import { type Deal, ZDeal } from "../../../shared/deals.js";
import { api } from "../api/http.js";
import { useRealtime } from "./realtime.js";
import { useSession } from "./session.js";

export type DealRole = "buyer" | "seller";

const PAGE = 20;

/** Newest activity first, as `GET /api/deals` answers. */
const byActivity = (a: Deal, b: Deal) => b.updatedAt.localeCompare(a.updatedAt);

/**
 * The reader's deals as buyer ("My purchases") or seller ("My sales"): pages on demand, kept live by
 * `deal:changed` (which reaches every socket of both parties on every transition), reloaded on reconnect.
 * Without a role (moderators' console): every deal, reloaded on reconnect.
 */
export function useDeals(role: DealRole | undefined) {
  const { socket, epoch } = useRealtime();
  const { user } = useSession();
  const [deals, setDeals] = useState<Deal[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch is the trigger: changes missed while offline
  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    api.deals(role, undefined, PAGE).then(
      (page) => {
        if (mine !== generation.current) return;
        setDeals(page.deals);
        setCursor(page.nextCursor);
        setError(null);
        setLoading(false);
      },
      () => {
        if (mine !== generation.current) return;
        setError("Could not load your deals. Check your connection.");
        setLoading(false);
      },
    );
  }, [role, epoch]);

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    const mine = generation.current;
    setLoading(true);
    api.deals(role, cursor, PAGE).then(
      (page) => {
        if (mine !== generation.current) return;
        setDeals((current) => {
          const seen = new Set(current.map((deal) => deal.id));
          return [...current, ...page.deals.filter((deal) => !seen.has(deal.id))];
        });
        setCursor(page.nextCursor);
        setLoading(false);
      },
      () => {
        if (mine !== generation.current) return;
        setError("Could not load more deals.");
        setLoading(false);
      },
    );
  }, [role, cursor, loading]);

  useEffect(() => {
    if (!socket || !user) return;
    const onChanged = ({ deal }: { deal: unknown }) => {
      const parsed = ZDeal.safeParse(deal);
      if (!parsed.success) return;
      const changed = parsed.data;
      if (!role || (role === "buyer" ? changed.buyer.id : changed.seller.id) !== user.id) return;
      setDeals((current) => [changed, ...current.filter((d) => d.id !== changed.id)].sort(byActivity));
    };
    socket.on("deal:changed", onChanged);
    return () => {
      socket.off("deal:changed", onChanged);
    };
  }, [socket, user, role]);

  return { deals, loading, error, hasMore: cursor !== null, loadMore };
}
