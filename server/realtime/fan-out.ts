import type { Namespace, Socket } from "socket.io";
import * as ws from "ws";

/** ws's frame builder (left out of @types/ws): what Socket.IO's own adapter encodes a broadcast with. */
const { Sender } = ws as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean },
    ): Buffer[];
  };
};
/** Engine.IO's send options with the frame it writes as is on a WebSocket (an option its types leave out). */
type PreEncoded = { compress?: boolean; wsPreEncodedFrame: Buffer[] };
/** A Socket.IO EVENT packet (protocol v5) in the main namespace, without an ack id. */
const EVENT_PACKET = "2";
/** An Engine.IO "message" packet, which carries a Socket.IO packet. */
const ENGINE_MESSAGE = "4";
const TEXT_FRAME = 1;

/** One event of a run: what the room gets, and what some sockets (its author's) get instead. */
export type RunEvent<P> = { payload: P; personal?: { sids: readonly string[]; payload: P } };

/**
 * Writes a run of events (consecutive in one conversation) to every socket of this process in `room`,
 * each socket getting each event once, in order: one write per socket for the whole run.
 *
 * Socket.IO's `emit` to a room encodes the event once but writes it to each socket on its own, and a
 * socket's next event waits for its last write to finish. When several events are ready at once (a
 * group commit of several messages: under load, batches grow), a crowded room then costs a system call
 * per socket per event. Here the run is encoded once, as the WebSocket frames Socket.IO would have
 * sent, one after the other in one buffer, and each WebSocket socket gets that buffer in one write,
 * through Engine.IO's own pre-encoded-frame option (the one Socket.IO's adapter uses for a broadcast),
 * so it queues behind anything the socket has pending. A socket still on HTTP long-polling, and the
 * sockets with a personal copy of some event, get the events one by one. The server must not compress
 * WebSocket messages (`perMessageDeflate`, off by default): a pre-encoded frame skips compression.
 */
export function emitRun<P>(nsp: Namespace, room: string, name: string, run: readonly RunEvent<P>[]): void {
  const sids = nsp.adapter.rooms.get(room);
  if (!sids || sids.size === 0 || run.length === 0) return;
  const packets = run.map(({ payload }) => EVENT_PACKET + JSON.stringify([name, payload]));
  const frames = Buffer.concat(
    packets.flatMap((packet) =>
      Sender.frame(Buffer.from(ENGINE_MESSAGE + packet), {
        readOnly: false,
        mask: false,
        rsv1: false,
        opcode: TEXT_FRAME,
        fin: true,
      }),
    ),
  );
  // `packets[0]` is only what Engine.IO would send were the frame not usable: on a WebSocket it always is.
  const preEncoded: PreEncoded = { wsPreEncodedFrame: [frames] };
  const personal = new Set(run.flatMap((event) => event.personal?.sids ?? []));
  for (const sid of sids) {
    const socket = nsp.sockets.get(sid);
    if (!socket) continue;
    if (personal.has(sid)) emitEach(socket, name, run);
    else if (socket.conn.transport.name === "websocket") socket.conn.write(packets[0]!, preEncoded);
    else for (const packet of packets) socket.conn.write(packet);
  }
}

function emitEach<P>(socket: Socket, name: string, run: readonly RunEvent<P>[]): void {
  for (const { payload, personal } of run) {
    socket.emit(name, personal?.sids.includes(socket.id) ? personal.payload : payload);
  }
}
