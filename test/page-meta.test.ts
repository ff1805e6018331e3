import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listItem, signUp } from "./factories.js";
import { startServer, type TestServer } from "./helpers/server.js";

const TEMPLATE = `<!doctype html><html><head>
<meta name="description" content="Parley: a marketplace." />
<title>Parley · live marketplace</title>
</head><body><div id="root"></div></body></html>`;

let server: TestServer;
let clientDir: string;
beforeAll(async () => {
  clientDir = mkdtempSync(path.join(tmpdir(), "parley-client-"));
  writeFileSync(path.join(clientDir, "index.html"), TEMPLATE);
  server = await startServer({ clientDir });
});
afterAll(async () => {
  await server.close();
  rmSync(clientDir, { recursive: true, force: true });
});

describe("item pages for link previews", () => {
  it("serve the item's title, description, image and price in the page, escaped", async () => {
    const seller = await signUp(server.url, "seller");
    const item = await listItem(server.url, seller, {
      title: `Lamp "deluxe" <script>alert(1)</script> & co`,
      description: "Brass.\nWorks <b>well</b>.",
      price: { amount: 4250, currency: "eur" },
      imageUrl: "/uploads/lamp.jpg",
    });
    const response = await fetch(`${server.url}/items/${item.id}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain(
      "<title>Lamp &quot;deluxe&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co · €42.50 · Parley</title>",
    );
    expect(html).toContain('<meta property="og:title" content="Lamp &quot;deluxe&quot; &lt;script&gt;');
    expect(html).toContain('<meta name="description" content="Brass. Works &lt;b&gt;well&lt;/b&gt;." />');
    expect(html).toContain(`<meta property="og:image" content="${server.url}/uploads/lamp.jpg" />`);
    expect(html).toContain(`<meta property="og:url" content="${server.url}/items/${item.id}" />`);
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(html.match(/name="description"/g)).toHaveLength(1);
  });

  it("serve the plain app for unknown items and other pages", async () => {
    for (const page of ["/items/4f1c2a8e-0000-4000-8000-000000000000", "/", "/u/someone"]) {
      const html = await (await fetch(`${server.url}${page}`)).text();
      expect(html, page).toContain("<title>Parley · live marketplace</title>");
    }
  });
});
