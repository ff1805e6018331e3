import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthResponse, User } from "../shared/users.js";
import { signUp, uniqueName } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { connect } from "./helpers/sockets.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("accounts", () => {
  it("registers, logs in and answers /api/me", async () => {
    const username = uniqueName("ann");
    const registered = await call<AuthResponse>(server.url, "POST", "/api/auth/register", {
      body: { username, password: "s3cret-pass", role: "buyer", displayName: "Ann B." },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ username, displayName: "Ann B.", role: "buyer" });
    expect(registered.body.user).not.toHaveProperty("passwordHash");

    const login = await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
      body: { username, password: "s3cret-pass" },
    });
    expect(login.status).toBe(200);
    const me = await call<{ user: User }>(server.url, "GET", "/api/me", { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(registered.body.user);
  });

  it("stores an argon2id hash, never the password", async () => {
    const session = await signUp(server.url, "seller", { password: "plain-text-never" });
    const [row] = await server.db.query<{ password_hash: string }>(
      "select password_hash from users where id = $1",
      [session.user.id],
    );
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    expect(row?.password_hash).not.toContain("plain-text-never");
  });

  it("refuses a wrong password and an unknown user alike with 401", async () => {
    const session = await signUp(server.url, "buyer");
    const wrong = await call(server.url, "POST", "/api/auth/login", {
      body: { username: session.user.username, password: "not-the-password" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: "unauthorized", message: "Wrong username or password" } });
    const unknown = await call(server.url, "POST", "/api/auth/login", {
      body: { username: "nobody-here", password: "whatever123" },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it("answers 409 username_taken for a second account with the same name", async () => {
    const session = await signUp(server.url, "buyer");
    const again = await call(server.url, "POST", "/api/auth/register", {
      body: { username: session.user.username, password: "another-pass", role: "seller" },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "username_taken" } });
  });

  it("validates registration and lists every bad field", async () => {
    const bad = await call<{ error: { code: string; details: { path: string }[] } }>(
      server.url,
      "POST",
      "/api/auth/register",
      { body: { username: "AB", password: "short", role: "moderator" } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_request");
    expect([...new Set(bad.body.error.details.map((detail) => detail.path))].sort()).toEqual([
      "password",
      "role",
      "username",
    ]);
  });
});

describe("tokens", () => {
  let session: AuthResponse;
  beforeAll(async () => {
    session = await signUp(server.url, "buyer");
  });

  const forged = () => {
    const claims = { role: "buyer", tv: 0 };
    const standard = { subject: session.user.id, issuer: "parley", audience: "parley-api" };
    return {
      missing: undefined,
      expired: jwt.sign(claims, server.jwtSecret, { ...standard, algorithm: "HS256", expiresIn: -10 }),
      wronglySigned: jwt.sign(claims, "a-different-secret-of-enough-length!!", {
        ...standard,
        algorithm: "HS256",
        expiresIn: 600,
      }),
      algNone: jwt.sign(claims, "", { ...standard, algorithm: "none", expiresIn: 600 }),
      otherAlgorithm: jwt.sign(claims, server.jwtSecret, { ...standard, algorithm: "HS512", expiresIn: 600 }),
      wrongAudience: jwt.sign(claims, server.jwtSecret, {
        ...standard,
        audience: "other",
        algorithm: "HS256",
        expiresIn: 600,
      }),
      garbage: "not.a.token",
    };
  };

  it("accepts a token it signed and that is still valid", async () => {
    const good = jwt.sign({ role: "buyer", tv: 0 }, server.jwtSecret, {
      subject: session.user.id,
      issuer: "parley",
      audience: "parley-api",
      algorithm: "HS256",
      expiresIn: 600,
    });
    expect((await call(server.url, "GET", "/api/me", { token: good })).status).toBe(200);
  });

  it("refuses missing, expired, wrongly signed and alg:none tokens over HTTP", async () => {
    for (const [name, token] of Object.entries(forged())) {
      const response = await call(server.url, "GET", "/api/me", token ? { token } : {});
      expect(response.status, name).toBe(401);
      expect(response.body, name).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("refuses them at the socket handshake with connect_error 'unauthorized'", async () => {
    for (const [name, token] of Object.entries(forged())) {
      await expect(connect(server.url, token), name).rejects.toThrow("unauthorized");
    }
    const socket = await connect(server.url, session.token);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it("signs out everywhere: old tokens stop working and open sockets close", async () => {
    const user = await signUp(server.url, "seller");
    const socket = await connect(server.url, user.token);
    const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    const logout = await call(server.url, "POST", "/api/auth/logout", { token: user.token });
    expect(logout.status).toBe(200);
    expect(await closed).toBe("io server disconnect");
    expect((await call(server.url, "GET", "/api/me", { token: user.token })).status).toBe(401);
    await expect(connect(server.url, user.token)).rejects.toThrow("unauthorized");
    const again = await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
      body: { username: user.user.username, password: "correct horse battery" },
    });
    expect((await call(server.url, "GET", "/api/me", { token: again.body.token })).status).toBe(200);
  });
});
