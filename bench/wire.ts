import WebSocket from "ws";

/**
 * A Socket.IO (v4 protocol) client cut down to what the hot room needs, over a bare WebSocket: connect
 * with `auth`, emit with an ack, and every other text frame handed over unparsed. The hot room delivers
 * 50,000 events a second to one generator process; socket.io-client decoding and a zod parse of each
 * cost the generator more CPU than the server spends sending them, so its backlog, not the server, set
 * the latency. Here a delivery costs a substring search.
 */
export class WireSocket {
  #acks = new Map<number, (data: unknown) => void>();
  #nextAck = 0;

  private constructor(
    private readonly ws: WebSocket,
    /** Each event frame (`42["event",payload]`), as text. */
    public onFrame: (frame: string) => void,
  ) {}

  static connect(url: string, auth: Record<string, unknown>): Promise<WireSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
    const socket = new WireSocket(ws, () => {});
    return new Promise((resolve, reject) => {
      ws.on("error", reject);
      ws.on("close", () => reject(new Error("closed before connecting")));
      ws.on("message", (raw) => {
        const frame = raw.toString();
        if (frame === "2") ws.send("3");
        else if (frame.startsWith("42")) socket.onFrame(frame);
        else if (frame.startsWith("43")) socket.#ack(frame);
        else if (frame.startsWith("0")) ws.send(`40${JSON.stringify(auth)}`);
        else if (frame.startsWith("40")) resolve(socket);
        else if (frame.startsWith("44")) reject(new Error(`refused: ${frame.slice(2)}`));
      });
    });
  }

  /** Emits `event` and resolves with the ack's data (what the server passed to the ack callback). */
  emit(event: string, payload: unknown): Promise<unknown> {
    const id = this.#nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#acks.delete(id);
        reject(new Error(`${event}: no ack within 30 s`));
      }, 30_000);
      this.#acks.set(id, (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.close();
  }

  #ack(frame: string): void {
    const open = frame.indexOf("[");
    const id = Number(frame.slice(2, open));
    const [data] = JSON.parse(frame.slice(open)) as unknown[];
    this.#acks.get(id)?.(data);
    this.#acks.delete(id);
  }
}
