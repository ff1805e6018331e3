import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitRun } from "./fan-out.js";

type Payload = { n: number; mine?: true };

describe("emitRun", () => {
  const httpServer = createServer();
  const io = new Server(httpServer, { perMessageDeflate: false });
  const clients: ClientSocket[] = [];
  let url = "";

  beforeAll(async () => {
    io.on("connection", (socket) => void socket.join("room"));
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await io.close();
  });

  /** A client in "room", on WebSocket or on HTTP long-polling only, and what it hears. */
  async function join(transport: "websocket" | "polling") {
    const client = connect(url, { transports: [transport], forceNew: true, reconnection: false });
    clients.push(client);
    const heard: Payload[] = [];
    client.on("tick", (payload: Payload) => heard.push(payload));
    await new Promise<void>((resolve) => client.once("connect", resolve));
    // In the room once the server has handled the connection.
    const room = () => io.of("/").adapter.rooms.get("room");
    await expect.poll(() => room()?.has(client.id ?? "")).toBe(true);
    // The writes the server hands Engine.IO for this socket: one per Engine.IO message packet.
    let writes = 0;
    io.of("/")
      .sockets.get(client.id!)!
      .conn.on("packetCreate", (packet: { type: string }) => {
        if (packet.type === "message") writes++;
      });
    return { client, heard, writes: () => writes };
  }

  it("writes a run to every socket in order, WebSocket and long-polling alike, with personal copies", async () => {
    const [ws, polling, author] = [await join("websocket"), await join("polling"), await join("websocket")];
    const personal = { sids: [author.client.id!], payload: { n: 2, mine: true } as Payload };
    emitRun<Payload>(io.of("/"), "room", "tick", [
      { payload: { n: 1 } },
      { payload: { n: 2 }, personal },
      { payload: { n: 3 } },
    ]);
    emitRun<Payload>(io.of("/"), "room", "tick", [{ payload: { n: 4 } }]);
    const all = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];
    await expect.poll(() => ws.heard).toEqual(all);
    await expect.poll(() => polling.heard).toEqual(all);
    await expect.poll(() => author.heard).toEqual([{ n: 1 }, { n: 2, mine: true }, { n: 3 }, { n: 4 }]);
    // The WebSocket got each run in one write; the others event by event.
    expect([ws.writes(), polling.writes(), author.writes()]).toEqual([2, 4, 4]);
  });

  it("writes nothing to a room without sockets here", () => {
    expect(() => emitRun(io.of("/"), "empty", "tick", [{ payload: { n: 1 } }])).not.toThrow();
  });
});
