import { useEffect, useMemo, useState } from "react";
import { type Deal, ZDeal } from "../../../shared/deals.js";
import { type DealEvent, ZDealEvent } from "../../../shared/events.js";
import { api } from "../api/http.js";
import { joinDeal, leaveDeal, sendDealMessage } from "../api/socket.js";
import { useRealtime } from "./realtime.js";
import { type Channel, useConversation } from "./use-conversation.js";

/** A deal's private thread as a conversation: the same timeline as an item's room, another address. */
function dealChannel(dealId: string): Channel<Deal, DealEvent> {
  return {
    join: async (socket, afterSeq) => {
      const { deal, events } = await joinDeal(socket, afterSeq ? { dealId, afterSeq } : { dealId });
      return { head: deal, events };
    },
    leave: (socket) => leaveDeal(socket, dealId),
    history: async (after, limit) => (await api.dealEvents(dealId, after, limit)).events,
    send: (socket, text, clientMessageId) => sendDealMessage(socket, { dealId, text, clientMessageId }),
    live: (socket, onEvent) => {
      // Parsed like HTTP answers: a malformed event is dropped; an unknown type is kept, and not drawn.
      const listener = ({ dealId: id, event }: { dealId: string; event: unknown }) => {
        const result = ZDealEvent.safeParse(event);
        if (id === dealId && result.success) onEvent(result.data);
      };
      socket.on("deal:event", listener);
      return () => socket.off("deal:event", listener);
    },
    owns: (event) => event.dealId === dealId,
    missing: "This deal does not exist, or it is not yours to see.",
  };
}

/**
 * One deal: the deal as the server sees it now (from the join, every `deal:changed` and every
 * transition's answer) and its private thread.
 */
export function useDeal(dealId: string) {
  const { socket } = useRealtime();
  const [deal, setDeal] = useState<Deal | null>(null);
  const channel = useMemo(() => dealChannel(dealId), [dealId]);
  const thread = useConversation(channel, { onJoined: setDeal });

  useEffect(() => {
    if (!socket) return;
    const onChanged = ({ deal: changed }: { deal: unknown }) => {
      const result = ZDeal.safeParse(changed);
      if (result.success && result.data.id === dealId) setDeal(result.data);
    };
    socket.on("deal:changed", onChanged);
    return () => {
      socket.off("deal:changed", onChanged);
    };
  }, [socket, dealId]);

  return { ...thread, deal, setDeal };
}
