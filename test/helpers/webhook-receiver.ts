import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { headers: IncomingHttpHeaders; body: string; at: number };
/** An HTTP answer, or `hang`: never answer (the connection stays open until the client gives up). */
export type Answer = { status: number; headers?: Record<string, string> } | { hang: true };

/**
 * A webhook endpoint on 127.0.0.1 that keeps every request and answers with `respond` (200 by default;
 * tests change it as they go).
 */
export async function startReceiver(
  respond: (received: Received, count: number) => Answer = () => ({ status: 200 }),
) {
  const received: Received[] = [];
  const receiver = {
    received,
    respond,
    url: "",
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const entry = { headers: req.headers, body, at: Date.now() };
      received.push(entry);
      const answer = receiver.respond(entry, received.length);
      if ("status" in answer) res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
