import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../shared/items.js";
import { listItem, signUp, uniqueName } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe("edges", { timeout: 90_000 }, () => {
  it("answers out-of-range cursors with 400", async () => {
    for (const cursor of ["99999999999999999999", "9223372036854775808", "1".repeat(40)]) {
      expect((await call(server.url, "GET", `/api/items?cursor=${cursor}`)).status).toBe(400);
    }
    expect((await call(server.url, "GET", "/api/items?cursor=9223372036854775807")).status).toBe(200);
  });

  it("answers a bad or unsupported Content-Encoding with 400, and takes gzip", async () => {
    const seller = await signUp(server.url, "seller");
    const body = JSON.stringify({
      title: "Zipped",
      description: "",
      price: { amount: 100, currency: "usd" },
    });
    const send = (encoding: string, payload: Blob | string) =>
      fetch(`${server.url}/api/items`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-encoding": encoding,
          authorization: `Bearer ${seller.token}`,
        },
        body: payload,
      });
    expect((await send("gzip", "this is not gzip")).status).toBe(400);
    expect((await send("deflate", "nor deflate")).status).toBe(400);
    expect((await send("br", "nor brotli")).status).toBe(400);
    expect((await send("bogus", body)).status).toBe(400);
    expect((await send("gzip", new Blob([new Uint8Array(gzipSync(body))]))).status).toBe(201);
    const upload = await fetch(`${server.url}/api/uploads`, {
      method: "POST",
      headers: {
        "content-type": "image/png",
        "content-encoding": "gzip",
        authorization: `Bearer ${seller.token}`,
      },
      body: "not gzip at all",
    });
    expect(upload.status).toBe(400);
    expect((await call(server.url, "GET", "/api/health")).status).toBe(200);
  });

  it("refuses common passwords, blank ones, patterns and the username itself", async () => {
    const register = (username: string, password: string) =>
      call<{ error: { code: string; details: { path: string }[] } }>(
        server.url,
        "POST",
        "/api/auth/register",
        {
          body: { username, password, role: "buyer" },
        },
      );
    const username = uniqueName("weak");
    for (const password of [
      "password",
      "Password",
      "12345678",
      "qwertyuiop",
      "        ",
      "aaaaaaaa",
      "12121212",
      username,
    ]) {
      const refused = await register(username, password);
      expect(refused.status, password).toBe(400);
      expect(refused.body.error.details[0]?.path).toBe("password");
    }
    expect((await register(username, "violet staple engine")).status).toBe(201);
  });

  it("refuses display names and usernames that impersonate staff or hide text", async () => {
    const register = (overrides: { username?: string; displayName?: string }) =>
      call(server.url, "POST", "/api/auth/register", {
        body: {
          username: uniqueName("name"),
          password: "violet staple engine",
          role: "seller",
          ...overrides,
        },
      });
    for (const displayName of [
      "Moderator (staff)",
      "Parley Support",
      "ＭＯＤＥＲＡＴＯＲ",
      "Ann\u202Egnp.exe",
      "Ann\u200B",
      "line\u2028break",
    ]) {
      expect((await register({ displayName })).status, displayName).toBe(400);
    }
    expect((await register({ username: "moderator" })).status).toBe(400);
    expect((await register({ username: `parley-support-${Date.now()}` })).status).toBe(400);
    expect((await register({ displayName: "Modern Furniture" })).status).toBe(201);
    expect((await register({ displayName: "Zoë's Café 🚲" })).status).toBe(201);
  });

  it("refuses an upload that is an image header followed by a web page", async () => {
    const seller = await signUp(server.url, "seller");
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
    const upload = (tail: string) =>
      fetch(`${server.url}/api/uploads`, {
        method: "POST",
        headers: { "content-type": "image/png", authorization: `Bearer ${seller.token}` },
        body: new Blob([new Uint8Array(Buffer.concat([png, Buffer.from(tail)]))]),
      });
    for (const tail of [
      "<html><script>alert(1)</script>",
      "<SVG onload=alert(1)>",
      "<!DOCTYPE html>",
      "<iframe src=x>",
    ]) {
      expect((await upload(tail)).status, tail).toBe(400);
    }
    expect((await upload("plain pixel bytes")).status).toBe(201);
  });

  it("shows a removed item's text to moderators only", async () => {
    const seller = await signUp(server.url, "seller");
    const buyer = await signUp(server.url, "buyer");
    const moderator = await createModerator(server);
    const item = await listItem(server.url, seller, {
      title: "Counterfeit watch",
      description: "Totally real",
    });
    const removed = await call(server.url, "POST", `/api/moderation/items/${item.id}/remove`, {
      token: moderator.token,
      body: { reason: "counterfeit" },
    });
    expect(removed.status).toBe(200);
    for (const token of [undefined, buyer.token, seller.token]) {
      const { status, body } = await call<{ item: Item }>(server.url, "GET", `/api/items/${item.id}`, {
        token,
      });
      expect(status).toBe(200);
      expect(body.item).toMatchObject({ id: item.id, status: "removed", description: "", imageUrl: null });
      expect(JSON.stringify(body)).not.toContain("Counterfeit");
    }
    const seen = await call<{ item: Item }>(server.url, "GET", `/api/items/${item.id}`, {
      token: moderator.token,
    });
    expect(seen.body.item).toMatchObject({ title: "Counterfeit watch", description: "Totally real" });
  });
});
