import { createServer } from "node:http";
import { Server } from "socket.io";
import { z } from "zod";

/**
 * The yardstick: bare Socket.IO with no authentication and no database. `join` puts the socket in a
 * room; `send` emits the message to the room with `io.to(room).emit` and acks. Parley's throughput is
 * reported as a fraction of this one's under the same load.
 */
const ZJoin = z.object({ room: z.string().min(1).max(100) });
const ZSend = z.object({ room: z.string().min(1).max(100), text: z.string().max(2000) });

const port = z.coerce.number().int().min(0).default(0).parse(process.env.PORT);
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("join", (payload: unknown, ack: unknown) => {
    const parsed = ZJoin.safeParse(payload);
    if (parsed.success) void socket.join(parsed.data.room);
    if (typeof ack === "function") ack({ ok: parsed.success });
  });
  socket.on("send", (payload: unknown, ack: unknown) => {
    const parsed = ZSend.safeParse(payload);
    if (parsed.success) io.to(parsed.data.room).emit("message", parsed.data);
    if (typeof ack === "function") ack({ ok: parsed.success });
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  const address = httpServer.address();
  console.log(
    `raw relay running: http://localhost:${typeof address === "object" && address ? address.port : port}`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => io.close(() => process.exit(0)));
}
