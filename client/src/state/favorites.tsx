import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { api } from "../api/http.js";
import { askToSignIn } from "./router.js";
import { useSession } from "./session.js";
import { useToast } from "./toasts.js";

type FavoritesState = { has(itemId: string): boolean; toggle(itemId: string): void };

const FavoritesContext = createContext<FavoritesState>({ has: () => false, toggle: () => {} });

/** The signed-in person's favourite items, for the hearts on cards and item pages. */
export function FavoritesProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const toasts = useToast();
  const [ids, setIds] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    setIds(new Set());
    if (!user) return;
    api.favorites().then(
      ({ items }) => setIds(new Set(items.map((item) => item.id))),
      () => {},
    );
  }, [user]);

  const toggle = useCallback(
    (itemId: string) => {
      if (!user) return askToSignIn();
      const adding = !ids.has(itemId);
      const apply = (add: boolean) =>
        setIds((current) => {
          const next = new Set(current);
          if (add) next.add(itemId);
          else next.delete(itemId);
          return next;
        });
      apply(adding);
      (adding ? api.addFavorite(itemId) : api.removeFavorite(itemId)).catch(() => {
        apply(!adding);
        toasts.show("error", "Could not update your saved items. Try again.");
      });
    },
    [user, ids, toasts],
  );

  const value = useMemo(() => ({ has: (itemId: string) => ids.has(itemId), toggle }), [ids, toggle]);
  return <FavoritesContext.Provider value={value}>{children}</FavoritesContext.Provider>;
}

export const useFavorites = () => useContext(FavoritesContext);
