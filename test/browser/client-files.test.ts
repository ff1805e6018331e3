import { rmSync } from "node:fs";
import { get } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { buildClient } from "./browser.js";

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** A GET that shows the bytes as sent (fetch would decompress them). */
function raw(url: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    get(url, { headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    }).on("error", reject);
  });
}

/** The built web app as the server sends it: compressed, cached by name, the console in its own file. */
describe("the web app's files", () => {
  let server: TestServer;
  let clientDir: string;
  let script: string;

  beforeAll(async () => {
    clientDir = await buildClient();
    server = await startServer({ clientDir });
    const page = await raw(`${server.url}/`);
    script = /<script type="module" crossorigin src="([^"]+)"/.exec(page.body.toString())?.[1] ?? "";
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
  });

  it("sends the app's script brotli- or gzip-compressed as the browser accepts, cached for a year", async () => {
    expect(script).toMatch(/^\/assets\/index-[\w-]+\.js$/);
    const plain = await raw(`${server.url}${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");

    const br = await raw(`${server.url}${script}`, "gzip, deflate, br");
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["content-type"]).toMatch(/^text\/javascript|^application\/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    // A third of the size or less.
    expect(br.body.length).toBeLessThan(plain.body.length / 3);

    const gzip = await raw(`${server.url}${script}`, "gzip");
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
  });

  it("revalidates the page on every load, at / and at the app's own routes", async () => {
    for (const path of ["/", "/items/12345678-1234-4234-8234-123456789012", "/console"]) {
      const page = await raw(`${server.url}${path}`, "br");
      expect(page.status, path).toBe(200);
      expect(page.headers["content-type"], path).toMatch(/^text\/html/);
      expect(page.headers["cache-control"], path).toBe("no-cache");
    }
    expect((await raw(`${server.url}/assets/missing-123.js`)).status).toBe(404);
    expect((await raw(`${server.url}/../../etc/passwd`)).headers["content-type"]).toMatch(/^text\/html/);
  });

  it("keeps the moderation console out of the buyers' bundle", async () => {
    const main = (await raw(`${server.url}${script}`)).body.toString();
    expect(main).not.toContain("Events from every room");
    const chunk = /console-page-[\w-]+\.js/.exec(main)?.[0];
    expect(chunk).toBeDefined();
    const console = (await raw(`${server.url}/assets/${chunk}`)).body.toString();
    expect(console).toContain("Events from every room");
  });
});
