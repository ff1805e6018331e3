import { useEffect, useState } from "react";
import { type Deal, ZDeal } from "../../../shared/deals.js";
import type { Item } from "../../../shared/items.js";
import type { User } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { useRealtime } from "./realtime.js";

/** How far back the item page looks for the reader's deal on an item. */
const LOOK_BACK = 100;

/**
 * The reader's latest deal on this item (as its buyer, or as its seller), so the item page stays true
 * after a reload: "Reserved for you", "It's yours!", "Reserved by Bea until 14:05". Asked again when
 * the item's status changes, and kept live by `deal:changed`. `undefined` until first known.
 */
export function useItemDeal(item: Item, user: User): Deal | null | undefined {
  const { socket } = useRealtime();
  const [deal, setDeal] = useState<Deal | null | undefined>(undefined);
  const role = item.seller.id === user.id ? "seller" : user.role === "moderator" ? null : "buyer";

  // biome-ignore lint/correctness/useExhaustiveDependencies: the status is the trigger: a sale or a release means a deal moved
  useEffect(() => {
    if (!role) return;
    let cancelled = false;
    api.deals(role, undefined, LOOK_BACK).then(
      ({ deals }) => {
        if (!cancelled) setDeal(deals.find((d) => d.itemId === item.id) ?? null);
      },
      () => {
        if (!cancelled) setDeal((known) => known ?? null);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [role, item.id, item.status]);

  useEffect(() => {
    if (!socket || !role) return;
    const onChanged = ({ deal: changed }: { deal: unknown }) => {
      const parsed = ZDeal.safeParse(changed);
      if (!parsed.success || parsed.data.itemId !== item.id) return;
      const party = role === "buyer" ? parsed.data.buyer : parsed.data.seller;
      if (party.id === user.id) setDeal(parsed.data);
    };
    socket.on("deal:changed", onChanged);
    return () => {
      socket.off("deal:changed", onChanged);
    };
  }, [socket, role, item.id, user.id]);

  return deal;
}
