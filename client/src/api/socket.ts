import { io, type Socket } from "socket.io-client";
import type { z } from "zod";
import type { Bid, BidPlace } from "../../../shared/auctions.js";
import { type Deal, ZDeal } from "../../../shared/deals.js";
import {
  type DealEvent,
  type ItemEvent,
  type TimelineEvent,
  ZDealEvent,
  ZItemEvent,
} from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import type {
  Ack,
  ClientToServerEvents,
  DealJoin,
  DealMessageSend,
  ItemJoin,
  ItemMessageSend,
  ServerToClientEvents,
} from "../../../shared/socket.js";

export type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket ack that said no, or never came. */
export class SocketRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SocketRequestError";
  }
}

const ACK_TIMEOUT_MS = 10_000;

function unwrap<T>(ack: Ack<T>): T {
  if (ack.ok) return ack.data;
  throw new SocketRequestError(ack.error.code, ack.error.message);
}

async function withTimeout<T>(request: Promise<Ack<T>>): Promise<T> {
  try {
    return unwrap(await request);
  } catch (error) {
    if (error instanceof SocketRequestError) throw error;
    throw new SocketRequestError("timeout", "No answer from the server");
  }
}

/** Acks and live payloads are parsed with the shared schemas, as HTTP answers are. */
export function parsed<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SocketRequestError("internal", "The server's answer was not understood");
}

/**
 * The one typed Socket.IO client: opens the connection and speaks the contract's events with acks.
 * Without a token the socket is anonymous: it reads public rooms and the marketplace feed.
 */
export function openSocket(token: string | null): ParleySocket {
  return io({ auth: token ? { token } : { anonymous: true }, transports: ["websocket", "polling"] });
}

/** The marketplace feed: `items:changed` for every item while subscribed (v2 amendment 3). */
export const subscribeItems = (socket: ParleySocket) =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("items:subscribe", {}));

export const unsubscribeItems = (socket: ParleySocket) =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("items:unsubscribe", {}));

export const joinItem = (
  socket: ParleySocket,
  payload: ItemJoin,
): Promise<{ item: Item; events: ItemEvent[] }> =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("item:join", payload));

export const leaveItem = (socket: ParleySocket, itemId: string) =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("item:leave", { itemId }));

export const sendMessage = async (socket: ParleySocket, payload: ItemMessageSend): Promise<ItemEvent> => {
  const { event } = await withTimeout<{ event: TimelineEvent }>(
    socket.timeout(ACK_TIMEOUT_MS).emitWithAck("message:send", payload),
  );
  return parsed(ZItemEvent, event);
};

/** A deal's private thread (parties and moderators): the deal and its events; then `deal:event` live. */
export const joinDeal = async (
  socket: ParleySocket,
  payload: DealJoin,
): Promise<{ deal: Deal; events: DealEvent[] }> => {
  const joined = await withTimeout<{ deal: unknown; events: unknown }>(
    socket.timeout(ACK_TIMEOUT_MS).emitWithAck("deal:join", payload),
  );
  return { deal: parsed(ZDeal, joined.deal), events: parsed(ZDealEvent.array(), joined.events) };
};

export const leaveDeal = (socket: ParleySocket, dealId: string) =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("deal:leave", { dealId }));

export const sendDealMessage = async (socket: ParleySocket, payload: DealMessageSend): Promise<DealEvent> => {
  const { event } = await withTimeout<{ event: TimelineEvent }>(
    socket.timeout(ACK_TIMEOUT_MS).emitWithAck("message:send", payload),
  );
  return parsed(ZDealEvent, event);
};

/** Moderators: the most recently active items; the socket then receives `item:event` for every item. */
export const watchModeration = (socket: ParleySocket): Promise<{ items: Item[] }> =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("moderation:watch", {}));

/** Places or raises the reader's maximum on an auctioned item; the same `clientBidId` never bids twice. */
export const placeBid = (socket: ParleySocket, payload: BidPlace): Promise<{ bid: Bid; item: Item }> =>
  withTimeout(socket.timeout(ACK_TIMEOUT_MS).emitWithAck("bid:place", payload));

/** Fire and forget: typing is ephemeral, a lost signal only shortens an indicator. */
export const setTyping = (socket: ParleySocket, itemId: string, typing: boolean) => {
  if (socket.connected) socket.emit("typing:set", { itemId, typing });
};
