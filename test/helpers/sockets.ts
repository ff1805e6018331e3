import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { ItemEvent } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Ack, ClientToServerEvents, ServerToClientEvents } from "../../shared/socket.js";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A connected socket, or the rejection with the server's `connect_error` message. */
export const connect = (url: string, token: string | undefined) =>
  connectWith(url, token === undefined ? {} : { token });

/** A signed-out visitor's socket: it reads public rooms and the marketplace feed, nothing else. */
export const connectAnonymous = (url: string) => connectWith(url, { anonymous: true });

/** Asks for the marketplace feed: `items:changed` for every item (v2 amendment 3). */
export const subscribeItems = (socket: ClientSocket) => requestOk(socket, "items:subscribe", {});

function connectWith(url: string, auth: Record<string, unknown>): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Emits with an ack and resolves with the ack, whatever it says. */
export function request<T = unknown>(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), 10_000);
    (socket as unknown as Socket).emit(event, payload, (response: Ack<T>) => {
      clearTimeout(timer);
      resolve(response);
    });
  });
}

/** Resolves with the ack's data, or fails the test with the ack's error. */
export async function requestOk<T = unknown>(
  socket: ClientSocket,
  event: string,
  payload: unknown,
): Promise<T> {
  const response = await request<T>(socket, event, payload);
  if (!response.ok) throw new Error(`${event} failed: ${response.error.code} ${response.error.message}`);
  return response.data;
}

/** Collects every payload of `event` the socket receives from now on. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
): Parameters<ServerToClientEvents[E]>[0][] {
  const received: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket as unknown as Socket).on(event as string, (payload: Parameters<ServerToClientEvents[E]>[0]) => {
    received.push(payload);
  });
  return received;
}

/** Waits until `check` passes, polling; fails after `ms`. */
export async function eventually(check: () => void | Promise<void>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** `item:join`, failing the test if it is refused. */
export const joinItem = (socket: ClientSocket, itemId: string, afterSeq?: number) =>
  requestOk<{ item: Item; events: ItemEvent[] }>(
    socket,
    "item:join",
    afterSeq === undefined ? { itemId } : { itemId, afterSeq },
  );

/** `message:send` with a fresh `clientMessageId` unless one is given, failing the test if it is refused. */
export const sendMessage = (
  socket: ClientSocket,
  itemId: string,
  text: string,
  clientMessageId: string = randomUUID(),
) => requestOk<{ event: ItemEvent }>(socket, "message:send", { itemId, text, clientMessageId });
