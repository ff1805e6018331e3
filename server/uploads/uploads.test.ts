import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPLOAD_MAX_BYTES } from "../../shared/uploads.js";
import { signUp } from "../../test/factories.js";
import { startServer, type TestServer } from "../../test/helpers/server.js";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3c2e80000000049454e44ae426082",
  "hex",
);

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const upload = (body: Buffer, type: string, token?: string) =>
  fetch(`${server.url}/api/uploads`, {
    method: "POST",
    headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new Uint8Array(body),
  });

describe("POST /api/uploads", () => {
  it("stores a seller's PNG under a random name and serves it back with its type and nosniff", async () => {
    const seller = await signUp(server.url, "seller");
    const response = await upload(PNG, "image/png", seller.token);
    expect(response.status).toBe(201);
    const { url } = (await response.json()) as { url: string };
    expect(url).toMatch(/^\/uploads\/[a-f0-9]{32}\.png$/);
    const served = await fetch(`${server.url}${url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it("refuses strangers, buyers, lies about the type, other types and files over 5 MB", async () => {
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    expect((await upload(PNG, "image/png")).status).toBe(401);
    expect((await upload(PNG, "image/png", buyer.token)).status).toBe(403);
    const html = Buffer.from("<html><script>alert(1)</script></html>");
    const lie = await upload(html, "image/png", seller.token);
    expect(lie.status).toBe(400);
    expect(((await lie.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect((await upload(PNG, "image/jpeg", seller.token)).status).toBe(400);
    expect((await upload(html, "text/html", seller.token)).status).toBe(400);
    const huge = Buffer.concat([PNG, Buffer.alloc(UPLOAD_MAX_BYTES)]);
    expect((await upload(huge, "image/png", seller.token)).status).toBe(413);
  });

  it("serves nothing but stored names", async () => {
    expect((await fetch(`${server.url}/uploads/${"a".repeat(32)}.png`)).status).toBe(404);
    expect((await fetch(`${server.url}/uploads/..%2Fjwt-secret`)).status).toBe(404);
  });
});
