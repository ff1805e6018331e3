import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { cpuSeconds, type Latency, mapLimit, summarize, waitFor } from "./stats.js";
import { WireSocket } from "./wire.js";

/** How a load phase talks to a server: Parley (auth, item rooms, persisted) or the raw relay. */
export type Target = {
  name: string;
  url: string;
  join(socket: Socket, room: string): Promise<void>;
  send(socket: Socket, room: string, text: string): Promise<void>;
  /** Calls back with each delivered message's room, text and (Parley only) seq. */
  onDeliver(socket: Socket, listener: (room: string, text: string, seq: number | null) => void): void;
};

const ZAck = z.object({ ok: z.boolean(), error: z.object({ code: z.string() }).optional() });
const ZItemEvent = z.object({
  itemId: z.string(),
  event: z.object({ seq: z.number(), body: z.object({ text: z.string() }).partial() }),
});
const ZRawMessage = z.object({ room: z.string(), text: z.string() });

function emitWithAck(socket: Socket, event: string, payload: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.timeout(30_000).emit(event, payload, (error: Error | null, response: unknown) => {
      if (error) return reject(error);
      const ack = ZAck.parse(response);
      if (ack.ok) resolve();
      else reject(new Error(`${event}: ${ack.error?.code ?? "refused"}`));
    });
  });
}

export const parleyTarget = (url: string): Target => ({
  name: "parley",
  url,
  join: (socket, room) => emitWithAck(socket, "item:join", { itemId: room, afterSeq: 2 ** 31 - 1 }),
  send: (socket, room, text) =>
    emitWithAck(socket, "message:send", { itemId: room, text, clientMessageId: randomUUID() }),
  onDeliver: (socket, listener) =>
    socket.on("item:event", (payload: unknown) => {
      const { itemId, event } = ZItemEvent.parse(payload);
      listener(itemId, event.body.text ?? "", event.seq);
    }),
});

export const rawTarget = (url: string): Target => ({
  name: "raw",
  url,
  join: (socket, room) => emitWithAck(socket, "join", { room }),
  send: (socket, room, text) => emitWithAck(socket, "send", { room, text }),
  onDeliver: (socket, listener) =>
    socket.on("message", (payload: unknown) => {
      const { room, text } = ZRawMessage.parse(payload);
      listener(room, text, null);
    }),
});

/** One WebSocket connection (no polling: see the cluster notes), rejected with the server's refusal. */
export function connectSocket(url: string, token?: string): Promise<Socket> {
  const socket = io(url, {
    auth: token ? { token } : {},
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
}

export type Crowd = { sockets: Socket[]; rooms: string[]; roomOf: Map<Socket, string>; close(): void };

/** `sockets` connections spread round-robin over `rooms`, each joined to its room. */
export async function gather(
  target: Target,
  tokens: string[],
  rooms: string[],
  count: number,
): Promise<Crowd> {
  const sockets = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    50,
    (i) => connectSocket(target.url, tokens[i % tokens.length]),
  );
  const roomOf = new Map<Socket, string>();
  await mapLimit(sockets, 50, async (socket) => {
    const room = rooms[sockets.indexOf(socket) % rooms.length]!;
    roomOf.set(socket, room);
    await target.join(socket, room);
  });
  return {
    sockets,
    rooms,
    roomOf,
    close: () => {
      for (const socket of sockets) socket.close();
    },
  };
}

export type Throughput = {
  seconds: number;
  /** Acked sends per second: for Parley, committed messages. */
  committedPerSecond: number;
  deliveredPerSecond: number;
  errors: number;
};

/** Every socket sends its next message as soon as the previous one is acked, for `seconds`. */
export async function saturate(target: Target, crowd: Crowd, seconds: number): Promise<Throughput> {
  let acked = 0;
  let delivered = 0;
  let errors = 0;
  let counting = false;
  let stop = false;
  const listeners = crowd.sockets.map((socket) => {
    const onDeliver = () => {
      if (counting) delivered++;
    };
    target.onDeliver(socket, onDeliver);
    return onDeliver;
  });
  const loops = crowd.sockets.map(async (socket) => {
    const room = crowd.roomOf.get(socket)!;
    while (!stop) {
      try {
        await target.send(socket, room, "saturate");
        if (counting) acked++;
      } catch {
        errors++;
      }
    }
  });
  // Warm-up (JIT, pools), then the measured window.
  await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, seconds * 250)));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  counting = false;
  const elapsed = (performance.now() - started) / 1_000;
  stop = true;
  await Promise.all(loops);
  for (const socket of crowd.sockets) socket.removeAllListeners("item:event").removeAllListeners("message");
  void listeners;
  return {
    seconds: elapsed,
    committedPerSecond: acked / elapsed,
    deliveredPerSecond: delivered / elapsed,
    errors,
  };
}

export type Paced = {
  rate: number;
  seconds: number;
  sent: number;
  /** Send-to-deliver, in ms, over every delivery to every socket in the room, the sender's included. */
  latency: Latency;
  /** Sends that were never acked. */
  errors: number;
  /** Deliveries expected but not seen within 10 s after the last send. */
  missing: number;
  /** Deliveries out of seq order or repeated (Parley only; must be 0). */
  orderViolations: number;
};

/** Sends `rate` messages per second in total, round-robin over the sockets, whatever the acks do. */
export async function paced(target: Target, crowd: Crowd, rate: number, seconds: number): Promise<Paced> {
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const lastSeq = new Map<string, number>();
  let orderViolations = 0;
  let delivered = 0;
  crowd.sockets.forEach((socket, index) => {
    target.onDeliver(socket, (room, text, seq) => {
      const at = sentAt.get(text);
      if (at === undefined) return;
      delivered++;
      samples.push(performance.now() - at);
      if (seq !== null) {
        const key = `${index}:${room}`;
        if (seq <= (lastSeq.get(key) ?? 0)) orderViolations++;
        lastSeq.set(key, seq);
      }
    });
  });
  const membersOf = new Map<string, number>();
  for (const room of crowd.roomOf.values()) membersOf.set(room, (membersOf.get(room) ?? 0) + 1);
  let expected = 0;
  let errors = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round(rate * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * rate));
    for (; sent < due; sent++) {
      const socket = crowd.sockets[sent % crowd.sockets.length]!;
      const room = crowd.roomOf.get(socket)!;
      const text = `paced ${sent}`;
      expected += membersOf.get(room) ?? 0;
      sentAt.set(text, performance.now());
      pending.push(
        target.send(socket, room, text).catch(() => {
          errors++;
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  await waitFor(() => delivered >= expected - errors, 10_000);
  for (const socket of crowd.sockets) socket.removeAllListeners("item:event").removeAllListeners("message");
  return {
    rate,
    seconds,
    sent,
    latency: summarize(samples),
    errors,
    missing: Math.max(0, expected - delivered),
    orderViolations,
  };
}

export type IdleMemory = { sockets: number; rssBefore: number; rssAfter: number; bytesPerSocket: number };

/**
 * Server memory per connected idle socket: the server's RSS before, and after `tokens.length` sockets
 * (each authenticated as its own user when tokens are given) are connected and have settled.
 */
export async function idleSockets(
  url: string,
  count: number,
  tokens: string[] | null,
  rss: () => number,
  settleMs = 3_000,
): Promise<IdleMemory> {
  await new Promise((resolve) => setTimeout(resolve, settleMs / 3));
  const rssBefore = rss();
  const sockets = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    100,
    (i) => connectSocket(url, tokens ? tokens[i % tokens.length] : undefined),
  );
  // Let allocation from the handshakes settle (and the young generation be collected) before reading.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const rssAfter = rss();
  for (const socket of sockets) socket.close();
  await new Promise((resolve) => setTimeout(resolve, settleMs / 3));
  return { sockets: count, rssBefore, rssAfter, bytesPerSocket: (rssAfter - rssBefore) / count };
}

/** How the hot room speaks to a server, at the wire (see wire.ts): its join and send events. */
export type HotTarget = {
  name: string;
  url: string;
  auth(token: string | undefined): Record<string, unknown>;
  join(room: string): [event: string, payload: unknown];
  send(room: string, text: string): [event: string, payload: unknown];
  /** Whether deliveries carry a seq (Parley's `item:event`), checked for order. */
  sequenced: boolean;
};

export const parleyHotTarget = (url: string): HotTarget => ({
  name: "parley",
  url,
  auth: (token) => ({ token }),
  join: (room) => ["item:join", { itemId: room, afterSeq: 2 ** 31 - 1 }],
  send: (room, text) => ["message:send", { itemId: room, text, clientMessageId: randomUUID() }],
  sequenced: true,
});

export const rawHotTarget = (url: string): HotTarget => ({
  name: "raw",
  url,
  auth: () => ({}),
  join: (room) => ["join", { room }],
  send: (room, text) => ["send", { room, text }],
  sequenced: false,
});

export type HotRoom = {
  sockets: number;
  /** From the first join sent to the last one acked, every socket already connected. */
  joinMs: number;
  paced: Paced;
  /** CPU seconds (user + system) the server used during the paced phase, from /proc. */
  cpuSeconds: number;
  /** Those CPU seconds over the deliveries seen, in microseconds. */
  cpuPerDeliveryUs: number;
  /** CPU seconds this generator used meanwhile: near a core, its own backlog shows in the latency. */
  generatorCpuSeconds: number;
  /** CPU seconds a database server's processes used meanwhile (null without one: PGlite is in the server). */
  databaseCpuSeconds: number | null;
  /** Send to ack, in ms: for Parley the commit's share of the latency (it acks after the commit). */
  ack: Latency;
  /** Send-to-deliver over the warm-up second before the measured phase (not in `paced`). */
  warmup: Latency;
};

async function acked(socket: WireSocket, [event, payload]: [string, unknown]): Promise<void> {
  const ack = ZAck.parse(await socket.emit(event, payload));
  if (!ack.ok) throw new Error(`${event}: ${ack.error?.code ?? "refused"}`);
}

/**
 * The hot room: `tokens.length` sockets (one per user for Parley) connect, then all join one room at
 * once; then `rate` messages a second for `seconds` go into that room, round-robin over the sockets,
 * each delivered to every socket, while the server process `pid` is watched for the CPU it uses.
 */
export async function hotRoom(
  target: HotTarget,
  tokens: (string | undefined)[],
  room: string,
  options: { pid: number; rate: number; seconds: number; databaseCpu?: () => number },
): Promise<HotRoom> {
  const sockets = await mapLimit(tokens, 50, (token) => WireSocket.connect(target.url, target.auth(token)));
  try {
    const joinStarted = performance.now();
    await Promise.all(sockets.map((socket) => acked(socket, target.join(room))));
    const joinMs = performance.now() - joinStarted;

    const sentAt: number[] = [];
    // A first second of messages at the same rate is a warm-up, measured apart (`warmup`): the first
    // messages after a thousand joins pay one-off costs (compiling the message path, each member's first
    // notice) that a room already in use does not.
    const warmupCount = options.rate;
    const warmupSamples: number[] = [];
    const samples: number[] = [];
    let orderViolations = 0;
    for (const socket of sockets) {
      let lastSeq = 0;
      socket.onFrame = (frame) => {
        const marker = frame.indexOf('"hot ');
        if (marker === -1) return;
        const index = Number.parseInt(frame.slice(marker + 5, marker + 16), 10);
        const at = sentAt[index];
        if (at === undefined) return;
        (index < warmupCount ? warmupSamples : samples).push(performance.now() - at);
        if (!target.sequenced) return;
        const seqAt = frame.indexOf('"seq":');
        const seq = Number.parseInt(frame.slice(seqAt + 6, seqAt + 20), 10);
        if (!(seq > lastSeq)) orderViolations++;
        lastSeq = seq;
      };
    }
    let errors = 0;
    const ackSamples: number[] = [];
    /** Sends messages `sentAt.length` to `until - 1` at the rate, then waits for their acks and deliveries. */
    const pace = async (until: number, delivered: number[]) => {
      const first = sentAt.length;
      const pending: Promise<void>[] = [];
      const started = performance.now();
      while (sentAt.length < until) {
        const due = Math.min(
          until,
          first + Math.floor(((performance.now() - started) / 1_000) * options.rate),
        );
        while (sentAt.length < due) {
          const sent = sentAt.length;
          sentAt.push(performance.now());
          const socket = sockets[sent % sockets.length]!;
          pending.push(
            acked(socket, target.send(room, `hot ${sent}`)).then(
              () => {
                if (sent >= warmupCount) ackSamples.push(performance.now() - sentAt[sent]!);
              },
              () => {
                errors++;
              },
            ),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const errorsBefore = errors;
      await Promise.all(pending);
      const expected = (until - first - (errors - errorsBefore)) * sockets.length;
      await waitFor(() => delivered.length >= expected, 10_000);
      return expected;
    };
    const warmupExpected = await pace(warmupCount, warmupSamples);
    const cpuBefore = cpuSeconds(options.pid);
    const databaseBefore = options.databaseCpu?.() ?? null;
    const generatorBefore = process.cpuUsage();
    const total = Math.round(options.rate * options.seconds);
    const expected = await pace(warmupCount + total, samples);
    const cpu = cpuSeconds(options.pid) - cpuBefore;
    const databaseCpu =
      options.databaseCpu && databaseBefore !== null ? options.databaseCpu() - databaseBefore : null;
    const generator = process.cpuUsage(generatorBefore);
    return {
      sockets: sockets.length,
      joinMs,
      paced: {
        rate: options.rate,
        seconds: options.seconds,
        sent: total,
        latency: summarize(samples),
        // Both phases': a message lost or refused in the warm-up counts too.
        errors,
        missing: Math.max(0, warmupExpected - warmupSamples.length) + Math.max(0, expected - samples.length),
        orderViolations,
      },
      cpuSeconds: cpu,
      cpuPerDeliveryUs: (cpu / Math.max(1, samples.length)) * 1e6,
      generatorCpuSeconds: (generator.user + generator.system) / 1e6,
      databaseCpuSeconds: databaseCpu,
      ack: summarize(ackSamples),
      warmup: summarize(warmupSamples),
    };
  } finally {
    for (const socket of sockets) socket.close();
  }
}
