import net from "node:net";

/**
 * A TCP proxy between the server and a dependency (PostgreSQL, Redis) that a test can break for real:
 * `blackhole()` keeps every connection open but forwards nothing (a hung or partitioned peer: nothing is
 * refused, nothing answers), `down()` stops listening and resets every connection (a dead peer), `up()`
 * forwards again; connections that lived through an outage are reset, as a real network would.
 */
export class FaultProxy {
  #server: net.Server | null = null;
  #mode: "forward" | "blackhole" = "forward";
  readonly #pairs = new Set<[net.Socket, net.Socket | null]>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens on a free port (at once unless `listening` is false: a dependency that is down at start). */
  static async start(target: { host: string; port: number }, listening = true): Promise<FaultProxy> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const proxy = new FaultProxy(port, target);
    if (listening) await proxy.up();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  static urlThrough(url: string, proxy: FaultProxy): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(proxy.port);
    return parsed.toString();
  }

  async up(): Promise<void> {
    this.#resetAll();
    this.#mode = "forward";
    if (this.#server) return;
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.#server = server;
  }

  blackhole(): void {
    this.#mode = "blackhole";
    for (const [client, upstream] of this.#pairs) {
      client.unpipe();
      upstream?.unpipe();
      // Keep reading so the peers' writes succeed and vanish, like packets into a partition.
      client.removeAllListeners("data").on("data", () => {});
      upstream?.removeAllListeners("data").on("data", () => {});
    }
  }

  async down(): Promise<void> {
    this.#resetAll();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close = () => this.down();

  #accept(client: net.Socket): void {
    client.on("error", () => {});
    if (this.#mode === "blackhole") {
      const pair: [net.Socket, null] = [client, null];
      this.#pairs.add(pair);
      client.on("data", () => {});
      client.on("close", () => this.#pairs.delete(pair));
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on("error", () => client.destroy());
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.#pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on("close", drop);
    upstream.on("close", drop);
  }

  #resetAll(): void {
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy();
      upstream?.destroy();
    }
    this.#pairs.clear();
  }
}
