import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { Server, type ServerOptions, type Socket } from "socket.io";
import { ZBidPlace } from "../../shared/auctions.js";
import { AppError, parseOrThrow } from "../../shared/errors.js";
import type { DealEvent, ItemEvent } from "../../shared/events.js";
import { LIMITS } from "../../shared/limits.js";
import {
  type Ack,
  type AckFn,
  type ClientToServerEvents,
  type ServerToClientEvents,
  ZDealJoin,
  ZDealLeave,
  ZItemJoin,
  ZItemLeave,
  ZItemsFeed,
  ZMessageSend,
  ZModerationWatch,
  ZTypingSet,
} from "../../shared/socket.js";
import type { User } from "../../shared/users.js";
import type { AuctionService } from "../auctions/service.js";
import type { AuthService } from "../auth/service.js";
import type { Bus } from "../bus.js";
import type { RoomService } from "../chat/rooms.js";
import type { ChatService } from "../chat/service.js";
import type { DealService } from "../deals/service.js";
import { toAppError } from "../http/errors.js";
import { unsafeInput } from "../http/input-guard.js";
import type { ItemService } from "../items/service.js";
import { presentEvent, presentEvents } from "../moderation/redaction.js";
import type { ModerationService } from "../moderation/service.js";
import { KeyedBatches } from "./batches.js";
import { emitRun } from "./fan-out.js";
import { RoomIndex } from "./room-index.js";
import { RoomSequencer } from "./room-sequencer.js";
import { awayRoom, dealRoom, FEED_ROOM, itemRoom, MODERATORS_ROOM, memberRoom, userRoom } from "./rooms.js";
import { ConnectionCounter, RoomCoalescer, TokenBucket } from "./socket-limits.js";

/** How often a room hears typing and presence changes at most. */
const ROOM_STATE_INTERVAL_MS = 250;
/** Events refused in a row (over the event budget) after which a socket is disconnected. */
const FLOOD_CUTOFF = 200;

/** The signed-in user, or null on an anonymous socket (reads public rooms and the feed, writes nothing). */
export type SocketData = { user: User | null };
/** Between server processes, through the Redis adapter: our own processes on a private Redis, so trusted. */
export type InterServerEvents = {
  /** An event committed by another process, for this process's sockets in the item's room. */
  "item:appended": (event: ItemEvent) => void;
  /** The same for an event of a deal's private thread. */
  "deal:appended": (event: DealEvent) => void;
  /** The distinct signed-in people in an item's room on the answering process (presence across processes). */
  "presence:users": (itemId: string, answer: (userIds: string[]) => void) => void;
};
export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type JoinedItem = Awaited<ReturnType<ChatService["join"]>>[number];

/** The data a client event's ack carries, from the contract's types. */
type AckData<E extends keyof ClientToServerEvents> =
  NonNullable<Parameters<ClientToServerEvents[E]>[1]> extends AckFn<infer T> ? T : never;
/**
 * A client event's handler: it parses its own `payload` (unchecked until then) and returns the ack's
 * data, or throws an `AppError`. `anonymous` ones also serve signed-out sockets (reading public rooms and
 * the marketplace feed).
 */
type Handler<E extends keyof ClientToServerEvents> = {
  anonymous?: true;
  handle(payload: unknown): Promise<AckData<E>>;
};
/**
 * Every client event's handler. The map is the allow-list: an event it does not name is answered
 * `not_found` instead of silence.
 */
type Handlers = { [E in keyof ClientToServerEvents]: Handler<E> };

type Deps = {
  httpServer: HttpServer;
  auth: AuthService;
  chat: ChatService;
  items: ItemService;
  /** Members of an item hear `room:activity` on their own sockets (unread counts). */
  rooms: RoomService;
  deals: DealService;
  auctions: AuctionService;
  moderation: ModerationService;
  bus: Bus;
  logger: Logger;
  allowedOrigins: string[];
  /** Counts one chat message of the user; throws `rate_limited` over the limit. */
  limitMessages: (userId: string) => Promise<void>;
  /** Open sockets one user, and one client address, may hold on this process. */
  socketsPerUser: number;
  socketsPerAddress: number;
  /** Events one socket may send per second on average; bursts of four times as many. */
  socketEventsPerSecond: number;
  /** A cross-process adapter (Redis); without one, broadcasts reach this process's sockets only. */
  adapter?: ServerOptions["adapter"];
  /** v1's behaviour: `items:changed` to every socket, subscribed or not (`ITEMS_CHANGED_TO_ALL`). */
  itemsChangedToAll?: boolean;
};

/** The Socket.IO server: authenticates the handshake, serves the client events, and turns domain events into emits. */
export function createRealtime(deps: Deps): RealtimeServer {
  const { auth, chat, moderation, bus, logger } = deps;
  const io: RealtimeServer = new Server(deps.httpServer, {
    maxHttpBufferSize: LIMITS.bodyBytes,
    serveClient: false,
    // Uncompressed WebSocket messages: a room's events are written as pre-encoded frames (fan-out.ts).
    perMessageDeflate: false,
    ...(deps.adapter ? { adapter: deps.adapter } : {}),
    allowRequest: (req, callback) => {
      const refusal = originRefusal(req, deps.allowedOrigins);
      callback(refusal, refusal === null);
    },
  });

  const clustered = deps.adapter !== undefined;
  const sequencer = new RoomSequencer<ItemEvent>({
    keyOf: (event) => event.itemId,
    // A gap may be filled from the database with an event hidden since: present it as to anyone.
    emit: (events) => {
      const room = itemRoom(events[0]!.itemId);
      const run = events.map((event) => {
        const { clientMessageId, ...presented } = presentEvent(event, null);
        const payload = { itemId: event.itemId, event: presented };
        // A chat message's key matches its author's pending bubble and means nothing to anyone else: the
        // crowd's copy leaves it out (a sixth of every delivery's bytes), the author's sockets get it.
        if (!event.author || clientMessageId === undefined) return { payload };
        const sids = socketsOf(userRoom(event.author.id), room, true);
        return {
          payload,
          personal: { sids, payload: { ...payload, event: { ...presented, clientMessageId } } },
        };
      });
      emitRun(io.of("/"), room, "item:event", run);
    },
    load: (itemId, after, before) => deps.items.events(itemId, { after, limit: before - after - 1 }),
    hasLocalMembers: (itemId) => (io.of("/").adapter.rooms.get(itemRoom(itemId))?.size ?? 0) > 0,
    onError: (error) => logger.error({ err: error }, "delivering a room's events failed"),
  });
  // Deal threads: the same exactly-once, in-order delivery, to the sockets that joined the thread.
  const threads = new RoomSequencer<DealEvent>({
    keyOf: (event) => event.dealId,
    emit: (events) =>
      emitRun(
        io.of("/"),
        dealRoom(events[0]!.dealId),
        "deal:event",
        events.map((event) => ({ payload: { dealId: event.dealId, event } })),
      ),
    load: (dealId, after, before) => deps.deals.eventsAfter(dealId, after, before - after - 1),
    hasLocalMembers: (dealId) => (io.of("/").adapter.rooms.get(dealRoom(dealId))?.size ?? 0) > 0,
    onError: (error) => logger.error({ err: error }, "delivering a thread's events failed"),
  });
  /** A deal's committed event: to the thread's sockets in order, and to watching moderators who did not join it. */
  const deliverThread = (event: DealEvent) => {
    threads.offer(event);
    const watching = socketsOf(MODERATORS_ROOM, dealRoom(event.dealId), false);
    if (watching.length > 0) io.local.to(watching).emit("deal:event", { dealId: event.dealId, event });
  };
  /**
   * This process's sockets of `audience` (a small room: the watching moderators, one user's sockets) that
   * are in `room` (or not), walking the audience only: Socket.IO's `except(room)` would copy the whole
   * room first.
   */
  const socketsOf = (audience: string, room: string, inRoom: boolean): string[] => {
    const { rooms, sids } = io.of("/").adapter;
    return [...(rooms.get(audience) ?? [])].filter((sid) => (sids.get(sid)?.has(room) ?? false) === inRoom);
  };

  /**
   * A committed event reaches this process's sockets (every process runs this for every event): those
   * in the item's room through the sequencer (once, in seq order); moderators watching everything who
   * did not join the room, directly (their order across processes is not sequenced; the console orders
   * by seq); and members elsewhere in the app, as `room:activity` for unread counts, not the author.
   * Nothing here walks the item's room: however big the crowd in it, the extra cost is the moderators'
   * and the away members' own.
   */
  const deliver = (event: ItemEvent) => {
    sequencer.offer(event);
    const watching = socketsOf(MODERATORS_ROOM, itemRoom(event.itemId), false);
    if (watching.length > 0) {
      io.local.to(watching).emit("item:event", { itemId: event.itemId, event: presentEvent(event, null) });
    }
    const away = awayRoom(event.itemId);
    if (!io.of("/").adapter.rooms.has(away)) return;
    const authorId = event.author?.id ?? null;
    const activity = { itemId: event.itemId, seq: event.seq, authorId };
    // The author's own sockets elsewhere: a small room to leave out.
    if (authorId) io.local.to(away).except(userRoom(authorId)).emit("room:activity", activity);
    else io.local.to(away).emit("room:activity", activity);
  };

  const index = new RoomIndex(io.of("/"));
  // The distinct people in an item's room: counted here as sockets come and go; with other processes,
  // their people are asked for (ids only) when a count is sent, a few times a second at most.
  io.on("presence:users", (itemId, answer) => answer(index.users(itemId)));
  const countPresence = async (itemId: string): Promise<number> => {
    if (!clustered) return index.count(itemId);
    // The adapter waits for every other process's answer, `requestsTimeout` at most.
    const elsewhere = await io.serverSideEmitWithAck("presence:users", itemId);
    return new Set([...index.users(itemId), ...elsewhere.flat()]).size;
  };
  // Typing and presence reach each room a few times a second at most, however often they change.
  const roomState = new RoomCoalescer({
    intervalMs: ROOM_STATE_INTERVAL_MS,
    emitTyping: (typing) => io.to(itemRoom(typing.itemId)).emit("room:typing", typing),
    emitPresence: (itemId) =>
      void countPresence(itemId).then(
        (count) => io.to(itemRoom(itemId)).emit("room:presence", { itemId, count }),
        // Presence is best effort: a slow adapter must not fail a join.
        () => {},
      ),
  });
  deps.httpServer.on("close", () => roomState.close());

  /**
   * `item:join`s of one room that arrive together are read together (chat.join: a few queries for the
   * whole batch), one batch at a time through the sequencer.
   */
  const itemJoins = new KeyedBatches<{ socket: ParleySocket; afterSeq: number }, JoinedItem>(
    async (itemId, joiners) => {
      const joined = await sequencer.join(itemId, async (before) => {
        const value = await chat.join(
          itemId,
          joiners.map(({ socket, afterSeq }) => ({ user: socket.data.user, afterSeq })),
          () => {
            // A socket that went away while its join was read would be left in the room for ever.
            for (const { socket } of joiners) if (socket.connected) socket.join(itemRoom(itemId));
          },
          before,
        );
        const lastSeq = Math.max(
          ...value.map((one) => Math.max(one.item.lastSeq, one.events.at(-1)?.seq ?? 0)),
        );
        return { value, lastSeq };
      });
      // The users are members now: all their sockets, on every process, hear the item's activity.
      const users = [
        ...new Set(joiners.flatMap(({ socket }) => (socket.data.user ? [socket.data.user.id] : []))),
      ];
      if (users.length > 0) io.in(users.map(userRoom)).socketsJoin(memberRoom(itemId));
      roomState.presence(itemId);
      return joined;
    },
  );
  const connections = new ConnectionCounter({
    perUser: deps.socketsPerUser,
    perAddress: deps.socketsPerAddress,
  });

  // `auth: { anonymous: true }` without a token opens an anonymous socket (open browsing); otherwise, as in
  // v1, a missing or bad token is refused.
  io.use(async (socket, next) => {
    let token: string | undefined;
    try {
      const { token: raw, anonymous } = (socket.handshake.auth ?? {}) as {
        token?: unknown;
        anonymous?: unknown;
      };
      token = typeof raw === "string" ? raw : undefined;
      socket.data.user = anonymous === true && raw === undefined ? null : await auth.authenticate(token);
    } catch (error) {
      // The message stays the contract's `unauthorized`; a suspended user's own token also learns why.
      const details = error instanceof AppError ? error.details : undefined;
      return next(Object.assign(new Error("unauthorized"), details ? { data: details } : {}));
    }
    const release = connections.admit(socket.data.user?.id ?? null, socket.handshake.address);
    if (!release) return next(new Error("too_many_connections"));
    socket.once("disconnect", release);
    // The socket ends when its token does; the client signs in again or refreshes and reconnects.
    const expiresAt = token ? auth.expiresAt(token) : null;
    if (expiresAt !== null) {
      let timer: NodeJS.Timeout;
      const arm = () => {
        const left = expiresAt - Date.now();
        // setTimeout holds at most 2^31 - 1 ms (24.8 days); a longer-lived token is re-armed.
        if (left <= 0) socket.disconnect(true);
        else timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
      };
      arm();
      socket.once("disconnect", () => clearTimeout(timer));
    }
    next();
  });

  io.on("connection", (socket) => {
    const viewer = socket.data.user;
    const budget = new TokenBucket(deps.socketEventsPerSecond, deps.socketEventsPerSecond * 4);
    const joins = new TokenBucket(LIMITS.joinsPerSocketPerMinute / 60, LIMITS.joinsPerSocketPerMinute);
    if (viewer) {
      socket.join(userRoom(viewer.id));
      deps.rooms.joinedItemIds(viewer).then(
        (itemIds) => socket.join(itemIds.map(memberRoom)),
        (error: unknown) => logger.warn({ err: error }, "joined rooms not subscribed"),
      );
    }
    /** The signed-in user; an anonymous socket never reaches a handler that calls this (below). */
    const signedIn = (): User => {
      if (!viewer) throw new AppError("unauthorized", "Sign in first");
      return viewer;
    };

    // Before any handler: a socket over its event budget, unknown events, input no handler could store,
    // and anything but reading from an anonymous socket get a clear ack, not silence (and a flood costs
    // no parsing).
    let refusedInARow = 0;
    socket.use(([event, ...args], next) => {
      if (!budget.take()) {
        // A client that keeps sending after this many refusals is not a browser: cut it off, and drop its
        // TCP connection at once (a WebSocket close would keep reading, and parsing, the rest of the flood).
        if (++refusedInARow > FLOOD_CUTOFF) {
          socket.disconnect(true);
          socket.request.socket.destroy();
          return;
        }
      } else refusedInARow = 0;
      let refusal: AppError | null = null;
      if (refusedInARow > 0) {
        refusal = new AppError("rate_limited", "Too many events; slow down", { retryAfterSeconds: 1 });
      } else if (!Object.hasOwn(handlers, event)) {
        refusal = new AppError("not_found", `No such event: ${String(event).slice(0, 64)}`);
      } else if (!viewer && !handlers[event as keyof Handlers].anonymous) {
        refusal = new AppError("unauthorized", "Sign in first");
      } else {
        const problem = unsafeInput(args);
        if (problem !== null) refusal = new AppError("bad_request", problem);
      }
      if (refusal === null) return next();
      const ack = args.at(-1);
      if (typeof ack === "function") ack({ ok: false, error: refusal.toJSON() } satisfies Ack<never>);
    });

    // The public room of an item: join (with its history), leave, typing.
    const roomHandlers = {
      "item:join": {
        anonymous: true,
        handle: async (payload) => {
          const { itemId, afterSeq } = parseOrThrow(ZItemJoin, payload, "payload");
          const rooms = [...socket.rooms].filter((room) => room.startsWith("item:")).length;
          if (!socket.rooms.has(itemRoom(itemId)) && rooms >= LIMITS.roomsPerSocket) {
            throw new AppError(
              "rate_limited",
              `A connection can be in ${LIMITS.roomsPerSocket} rooms at most`,
            );
          }
          if (!joins.take()) {
            throw new AppError("rate_limited", "Too many joins; slow down", { retryAfterSeconds: 1 });
          }
          const result = await itemJoins.add(itemId, { socket, afterSeq: afterSeq ?? 0 });
          return { item: result.item, events: presentEvents(result.events, viewer) };
        },
      },
      "item:leave": {
        anonymous: true,
        handle: async (payload) => {
          const { itemId } = parseOrThrow(ZItemLeave, payload, "payload");
          // Leaving a room the socket is not in changes nothing, so nobody hears of it.
          if (!socket.rooms.has(itemRoom(itemId))) return {};
          await socket.leave(itemRoom(itemId));
          sequencer.release(itemId);
          roomState.presence(itemId);
          return {};
        },
      },
      "typing:set": {
        handle: async (payload) => {
          const { itemId, typing } = parseOrThrow(ZTypingSet, payload, "payload");
          const user = signedIn();
          if (!socket.rooms.has(itemRoom(itemId))) throw new AppError("forbidden", "Join the item first");
          roomState.typing({ itemId, user: { id: user.id, displayName: user.displayName }, typing });
          return {};
        },
      },
    } satisfies Partial<Handlers>;

    // A deal's private thread.
    const dealHandlers = {
      "deal:join": {
        handle: (payload) => {
          const { dealId, afterSeq } = parseOrThrow(ZDealJoin, payload, "payload");
          return threads.join(dealId, async (before) => {
            const joined = await deps.deals.join(
              signedIn(),
              dealId,
              afterSeq ?? 0,
              () => socket.join(dealRoom(dealId)),
              before,
            );
            const lastSeq = Math.max(joined.deal.lastSeq, joined.events.at(-1)?.seq ?? 0);
            return { value: joined, lastSeq };
          });
        },
      },
      "deal:leave": {
        handle: async (payload) => {
          const { dealId } = parseOrThrow(ZDealLeave, payload, "payload");
          await socket.leave(dealRoom(dealId));
          threads.release(dealId);
          return {};
        },
      },
    } satisfies Partial<Handlers>;

    // Writing: a chat message (a room's or a thread's) and a bid.
    const writeHandlers = {
      "message:send": {
        handle: async (payload) => {
          const input = parseOrThrow(ZMessageSend, payload, "payload");
          const user = signedIn();
          try {
            await deps.limitMessages(user.id);
          } catch (error) {
            // A retry of a message already written is answered with it, as documented, limit or not.
            const sent =
              error instanceof AppError && "itemId" in input ? await chat.findSent(user, input) : null;
            if (!sent) throw error;
            return { event: presentEvent(sent, user) };
          }
          if ("dealId" in input) return { event: (await deps.deals.send(user, input)).event };
          const { event } = await chat.send(user, input);
          return { event: presentEvent(event, user) };
        },
      },
      "bid:place": {
        handle: async (payload) => {
          const { itemId, ...input } = parseOrThrow(ZBidPlace, payload, "payload");
          const user = signedIn();
          await deps.limitMessages(user.id);
          return deps.auctions.place(user, itemId, input);
        },
      },
    } satisfies Partial<Handlers>;

    // Watching: the moderators' console, and the marketplace feed (`items:changed`).
    const watchHandlers = {
      "moderation:watch": {
        handle: async (payload) => {
          parseOrThrow(ZModerationWatch, payload, "payload");
          const items = await moderation.watch(signedIn());
          await socket.join(MODERATORS_ROOM);
          return { items };
        },
      },
      "items:subscribe": {
        anonymous: true,
        handle: async (payload) => {
          parseOrThrow(ZItemsFeed, payload, "payload");
          await socket.join(FEED_ROOM);
          return {};
        },
      },
      "items:unsubscribe": {
        anonymous: true,
        handle: async (payload) => {
          parseOrThrow(ZItemsFeed, payload, "payload");
          await socket.leave(FEED_ROOM);
          return {};
        },
      },
    } satisfies Partial<Handlers>;

    const handlers: Handlers = { ...roomHandlers, ...dealHandlers, ...writeHandlers, ...watchHandlers };
    for (const event of Object.keys(handlers) as (keyof Handlers)[]) {
      const handler: Handler<typeof event> = handlers[event];
      socket.on(
        event,
        ((payload: unknown, ack: unknown) =>
          void respond(ack, logger, () => handler.handle(payload))) as ClientToServerEvents[typeof event],
      );
    }

    socket.on("disconnecting", () => {
      index.closing(socket.id);
      const itemIds = [...socket.rooms]
        .filter((room) => room.startsWith("item:"))
        .map((room) => room.slice(5));
      const dealIds = [...socket.rooms]
        .filter((room) => room.startsWith("deal:"))
        .map((room) => room.slice(5));
      // After the socket has left its rooms, so the counts no longer include it.
      setImmediate(() => {
        index.forget(socket.id);
        for (const itemId of itemIds) {
          sequencer.release(itemId);
          roomState.presence(itemId);
        }
        for (const dealId of dealIds) threads.release(dealId);
      });
    });
  });

  // Item events go through the sequencer in every process (see room-sequencer.ts); the other processes
  // get them through the adapter. Everything else is a plain broadcast the adapter carries as is.
  bus.on("event.appended", ({ event }) => {
    deliver(event);
    if (clustered) io.serverSideEmit("item:appended", event);
  });
  io.on("item:appended", deliver);
  bus.on("deal.event_appended", ({ event }) => {
    deliverThread(event);
    if (clustered) io.serverSideEmit("deal:appended", event);
  });
  io.on("deal:appended", deliverThread);
  // Drained once across processes: the adapter carries the emit to the parties' sockets everywhere.
  bus.on("outbox.drained", ({ entry }) => {
    // Transitions only: a thread's chat message (`message.created`) is delivered as `deal:event`.
    if (entry.resource.type !== "deal" || !entry.type.startsWith("deal.")) return;
    void emitDealChanged(entry.resource.id);
  });
  /** `deal:changed` to every socket of the buyer and of the seller, each with the transitions they may take. */
  async function emitDealChanged(dealId: string): Promise<void> {
    try {
      const record = await deps.deals.record(dealId);
      if (!record) return;
      for (const party of [record.buyer, record.seller]) {
        // A party's view depends on who they are in the deal, not on their role.
        const deal = await deps.deals.present(record, { id: party.id, role: "buyer" });
        io.to(userRoom(party.id)).emit("deal:changed", { deal });
      }
    } catch (error) {
      logger.error({ err: error, dealId }, "deal:changed not sent");
    }
  }
  // Amendment 3: a listing change reaches those who look at the marketplace or at the item, so its cost
  // grows with the audience, not with everyone online (one emit; a socket in both rooms gets it once).
  bus.on("item.changed", ({ item }) => {
    if (deps.itemsChangedToAll) io.emit("items:changed", { item });
    else io.to([FEED_ROOM, itemRoom(item.id)]).emit("items:changed", { item });
  });
  // Published by the one process whose reader stored it; the adapter carries it to the user's other processes.
  bus.on("notification.created", ({ userId, notification, unread }) => {
    io.to(userRoom(userId)).emit("notification", { notification, unread });
  });
  bus.on("user.sessions_revoked", ({ userId }) => {
    io.in(userRoom(userId)).disconnectSockets(true);
  });

  return io;
}

/**
 * Runs a socket handler and answers its ack with the contract's shape. Nothing a client sends can
 * throw past this: bad input is `bad_request`, anything unexpected is `internal` and logged.
 */
async function respond<T>(ack: unknown, logger: Logger, handler: () => Promise<T>): Promise<void> {
  let response: Ack<T>;
  try {
    response = { ok: true, data: await handler() };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === "internal") logger.error({ err: error }, "socket handler failed");
    response = { ok: false, error: appError.toJSON() };
  }
  if (typeof ack === "function") ack(response);
}

/** Browsers send Origin; only the server's own origin and the configured ones may open a socket. */
function originRefusal(req: IncomingMessage, allowed: string[]): string | null {
  const origin = req.headers.origin;
  if (!origin) return null;
  if (allowed.includes(origin)) return null;
  try {
    if (new URL(origin).host === req.headers.host) return null;
  } catch {
    // An unparseable Origin is refused below.
  }
  return "origin not allowed";
}
