import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItemEvent } from "../shared/events.js";
import type { Item } from "../shared/items.js";
import type { AuditEntry, ModeratedUser, ModeratorReport, Report } from "../shared/moderation.js";
import type { AuthResponse } from "../shared/users.js";
import { listItem, newClientMessageId, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type ClientSocket, collect, connect, eventually, request, requestOk } from "./helpers/sockets.js";

let server: TestServer;
let seller: Session;
let buyer: Session;
let moderator: AuthResponse;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  [seller, buyer, moderator] = await Promise.all([
    signUp(server.url, "seller"),
    signUp(server.url, "buyer"),
    createModerator(server),
  ]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

async function open(token: string): Promise<ClientSocket> {
  const socket = await connect(server.url, token);
  sockets.push(socket);
  return socket;
}

async function say(socket: ClientSocket, itemId: string, text: string): Promise<ItemEvent> {
  const { event } = await requestOk<{ event: ItemEvent }>(socket, "message:send", {
    itemId,
    text,
    clientMessageId: newClientMessageId(),
  });
  return event;
}

const reason = { reason: "Breaks the house rules" };

describe("reports", () => {
  it("lets any signed-in user report an item or one message; moderators see it with its neighbours and resolve it", async () => {
    const item = await listItem(server.url, seller);
    const socket = await open(buyer.token);
    await requestOk(socket, "item:join", { itemId: item.id });
    const said: ItemEvent[] = [];
    for (const text of ["one", "two", "three", "rude words", "five", "six", "seven", "eight"]) {
      said.push(await say(socket, item.id, text));
    }
    const rude = said[3]!;

    const anonymous = await call(server.url, "POST", "/api/reports", {
      body: { itemId: item.id, reason: "x" },
    });
    expect(anonymous.status).toBe(401);

    const message = await call<{ report: Report }>(server.url, "POST", "/api/reports", {
      token: seller.token,
      body: { itemId: item.id, seq: rude.seq, reason: "Insults" },
    });
    expect(message.status).toBe(201);
    expect(message.body.report).toMatchObject({
      itemId: item.id,
      seq: rude.seq,
      reason: "Insults",
      status: "open",
      reporter: { id: seller.user.id, username: seller.user.username },
    });
    const whole = await call<{ report: Report }>(server.url, "POST", "/api/reports", {
      token: buyer.token,
      body: { itemId: item.id, reason: "Counterfeit" },
    });
    expect(whole.status).toBe(201);
    expect(whole.body.report.seq).toBeNull();

    const missingEvent = await call(server.url, "POST", "/api/reports", {
      token: buyer.token,
      body: { itemId: item.id, seq: 999, reason: "?" },
    });
    expect(missingEvent.status).toBe(404);

    // A moderator's message speaks for the marketplace: it cannot be reported.
    const modSocket = await open(moderator.token);
    await requestOk(modSocket, "item:join", { itemId: item.id });
    const official = await say(modSocket, item.id, "Please keep it civil.");
    expect(official.author?.role).toBe("moderator");
    const onModerator = await call<{ error: { code: string; message: string } }>(
      server.url,
      "POST",
      "/api/reports",
      { token: buyer.token, body: { itemId: item.id, seq: official.seq, reason: "Bossy" } },
    );
    expect(onModerator.status).toBe(409);
    expect(onModerator.body.error.message).toBe("Moderators' messages cannot be reported");

    const queue = await call<{ reports: ModeratorReport[] }>(server.url, "GET", "/api/moderation/reports", {
      token: moderator.token,
    });
    expect(queue.status).toBe(200);
    const listed = queue.body.reports.find((report) => report.id === message.body.report.id)!;
    expect(listed.event).toMatchObject({ seq: rude.seq, body: { text: "rude words" } });
    expect(listed.context.map((event) => event.seq)).toEqual([
      rude.seq - 3,
      rude.seq - 2,
      rude.seq - 1,
      rude.seq,
      rude.seq + 1,
      rude.seq + 2,
      rude.seq + 3,
    ]);
    expect(queue.body.reports.find((report) => report.id === whole.body.report.id)).toMatchObject({
      event: null,
      context: [],
    });

    const resolved = await call<{ report: Report }>(
      server.url,
      "POST",
      `/api/moderation/reports/${message.body.report.id}/resolve`,
      { token: moderator.token, body: { reason: "Hid the message" } },
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body.report).toMatchObject({
      status: "resolved",
      resolution: "Hid the message",
      resolvedBy: { id: moderator.user.id },
    });
    const again = await call(
      server.url,
      "POST",
      `/api/moderation/reports/${message.body.report.id}/resolve`,
      {
        token: moderator.token,
        body: { reason: "twice" },
      },
    );
    expect(again.status).toBe(409);

    const stillOpen = await call<{ reports: Report[] }>(
      server.url,
      "GET",
      "/api/moderation/reports?status=open",
      {
        token: moderator.token,
      },
    );
    expect(stillOpen.body.reports.map((report) => report.id)).not.toContain(message.body.report.id);
    const done = await call<{ reports: Report[] }>(
      server.url,
      "GET",
      "/api/moderation/reports?status=resolved",
      {
        token: moderator.token,
      },
    );
    expect(done.body.reports.map((report) => report.id)).toContain(message.body.report.id);
  });
});

describe("hide and restore", () => {
  it("never lets a hidden message's text reach a non-moderator, by history, join or live; restore brings it back", async () => {
    const item = await listItem(server.url, seller);
    const buyerSocket = await open(buyer.token);
    const sellerSocket = await open(seller.token);
    const modSocket = await open(moderator.token);
    await requestOk(buyerSocket, "item:join", { itemId: item.id });
    await requestOk(sellerSocket, "item:join", { itemId: item.id });
    await requestOk(modSocket, "item:join", { itemId: item.id });
    const secret = "call me at 555-SECRET-0100";
    const clientMessageId = newClientMessageId();
    const { event: message } = await requestOk<{ event: ItemEvent }>(buyerSocket, "message:send", {
      itemId: item.id,
      text: secret,
      clientMessageId,
    });
    await say(buyerSocket, item.id, "a fine message");

    // Capture every raw packet the seller's socket receives from now on.
    const raw: string[] = [];
    sellerSocket.io.engine.on("packet", (packet: { data?: unknown }) =>
      raw.push(JSON.stringify(packet.data ?? "")),
    );
    const sellerLive = collect(sellerSocket, "item:event");
    const modLive = collect(modSocket, "item:event");

    const hidden = await call<{ event: ItemEvent }>(
      server.url,
      "POST",
      `/api/moderation/items/${item.id}/events/${message.seq}/hide`,
      { token: moderator.token, body: { reason: "Personal data" } },
    );
    expect(hidden.status).toBe(200);
    expect(hidden.body.event).toMatchObject({
      itemId: item.id,
      type: "custom:moderation",
      author: null,
      body: { action: "hide", targetSeq: message.seq, reason: "Personal data" },
    });
    // Live: everyone in the room gets the moderation event once, and redacts.
    const moderationSeqs = (received: typeof sellerLive) =>
      received.filter((p) => p.event.type === "custom:moderation").map((p) => p.event.seq);
    await eventually(() => expect(moderationSeqs(sellerLive)).toEqual([hidden.body.event.seq]));
    await eventually(() => expect(moderationSeqs(modLive)).toEqual([hidden.body.event.seq]));

    // History for non-moderators: the hidden body only.
    for (const session of [buyer, seller]) {
      const history = await fetch(`${server.url}/api/items/${item.id}/events`, {
        headers: { authorization: `Bearer ${session.token}` },
      });
      const text = await history.text();
      expect(text).not.toContain("SECRET");
      const events = (JSON.parse(text) as { events: ItemEvent[] }).events;
      const redacted = events.find((event) => event.seq === message.seq)!;
      expect(redacted.body).toEqual({ hidden: true });
      expect(redacted).not.toHaveProperty("moderation");
      expect(redacted.type).toBe("text");
    }
    // Joins for non-moderators, from scratch and resuming before it.
    const fresh = await open(buyer.token);
    const joined = await request<{ events: ItemEvent[] }>(fresh, "item:join", { itemId: item.id });
    expect(JSON.stringify(joined)).not.toContain("SECRET");
    const resumed = await request<{ events: ItemEvent[] }>(fresh, "item:join", {
      itemId: item.id,
      afterSeq: message.seq - 1,
    });
    expect(JSON.stringify(resumed)).not.toContain("SECRET");
    // Both joins succeeded and carry the hidden event, redacted (not merely left out).
    for (const ack of [joined, resumed]) {
      if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
      expect(ack.data.events.find((event) => event.seq === message.seq)?.body).toEqual({ hidden: true });
    }
    // A retry of the same clientMessageId acks the first event, redacted too.
    const retry = await request<{ event: ItemEvent }>(buyerSocket, "message:send", {
      itemId: item.id,
      text: secret,
      clientMessageId,
    });
    expect(retry).toMatchObject({ ok: true, data: { event: { seq: message.seq, body: { hidden: true } } } });
    // Nothing the seller's socket received since the hide carried the text (and it did receive packets).
    expect(raw.join("\n")).toContain("custom:moderation");
    expect(raw.join("\n")).not.toContain("SECRET");

    // Moderators see the original, with the reason.
    const modHistory = await call<{ events: ItemEvent[] }>(
      server.url,
      "GET",
      `/api/items/${item.id}/events`,
      {
        token: moderator.token,
      },
    );
    expect(modHistory.body.events.find((event) => event.seq === message.seq)).toMatchObject({
      body: { text: secret },
      moderation: { hidden: true, reason: "Personal data" },
    });
    const modJoin = await requestOk<{ events: ItemEvent[] }>(modSocket, "item:join", { itemId: item.id });
    expect(modJoin.events.find((event) => event.seq === message.seq)?.body).toEqual({ text: secret });

    // Hiding twice, or hiding a system event, is a conflict.
    const twice = await call(
      server.url,
      "POST",
      `/api/moderation/items/${item.id}/events/${message.seq}/hide`,
      {
        token: moderator.token,
        body: reason,
      },
    );
    expect(twice.status).toBe(409);
    const details = await call(server.url, "POST", `/api/moderation/items/${item.id}/events/1/hide`, {
      token: moderator.token,
      body: reason,
    });
    expect(details.status).toBe(409);
    const missing = await call(server.url, "POST", `/api/moderation/items/${item.id}/events/9999/hide`, {
      token: moderator.token,
      body: reason,
    });
    expect(missing.status).toBe(404);

    const restored = await call<{ event: ItemEvent }>(
      server.url,
      "POST",
      `/api/moderation/items/${item.id}/events/${message.seq}/restore`,
      { token: moderator.token, body: { reason: "Appeal granted" } },
    );
    expect(restored.status).toBe(200);
    expect(restored.body.event.body).toEqual({
      action: "restore",
      targetSeq: message.seq,
      reason: "Appeal granted",
    });
    const after = await call<{ events: ItemEvent[] }>(server.url, "GET", `/api/items/${item.id}/events`, {
      token: buyer.token,
    });
    expect(after.body.events.find((event) => event.seq === message.seq)?.body).toEqual({ text: secret });
    const restoreTwice = await call(
      server.url,
      "POST",
      `/api/moderation/items/${item.id}/events/${message.seq}/restore`,
      { token: moderator.token, body: reason },
    );
    expect(restoreTwice.status).toBe(409);
    // The timeline stayed append-only: the message, then hide, then restore.
    expect(after.body.events.map((event) => event.seq)).toEqual(
      after.body.events.map((_, index) => index + 1),
    );
  });
});

describe("remove an item", () => {
  it("takes it off the list, tells everyone, and refuses new messages and checkouts with 409 item_removed", async () => {
    const item = await listItem(server.url, seller, { title: "Suspicious watch" });
    const buyerSocket = await open(buyer.token);
    await requestOk(buyerSocket, "item:join", { itemId: item.id });
    const changed = collect(buyerSocket, "items:changed");
    const live = collect(buyerSocket, "item:event");

    const removed = await call<{ item: Item }>(
      server.url,
      "POST",
      `/api/moderation/items/${item.id}/remove`,
      {
        token: moderator.token,
        body: { reason: "Counterfeit" },
      },
    );
    expect(removed.status).toBe(200);
    expect(removed.body.item).toMatchObject({ id: item.id, status: "removed" });
    await eventually(() =>
      expect(changed.some((p) => p.item.id === item.id && p.item.status === "removed")).toBe(true),
    );
    await eventually(() =>
      expect(live.map((p) => p.event.body)).toContainEqual({ action: "remove", reason: "Counterfeit" }),
    );

    const list = await call<{ items: Item[] }>(server.url, "GET", "/api/items?limit=100");
    expect(list.body.items.map((listed) => listed.id)).not.toContain(item.id);
    const send = await request(buyerSocket, "message:send", {
      itemId: item.id,
      text: "still there?",
      clientMessageId: newClientMessageId(),
    });
    expect(send).toMatchObject({ ok: false, error: { code: "item_removed" } });
    const checkout = await call(server.url, "POST", `/api/items/${item.id}/checkout`, { token: buyer.token });
    expect(checkout.status).toBe(409);
    expect(checkout.body).toMatchObject({ error: { code: "item_removed" } });
    const again = await call(server.url, "POST", `/api/moderation/items/${item.id}/remove`, {
      token: moderator.token,
      body: reason,
    });
    expect(again.status).toBe(409);
  });
});

describe("suspend and reinstate", () => {
  it("closes the user's open sockets, refuses old tokens, and lets them sign in again once reinstated", async () => {
    const target = await signUp(server.url, "buyer");
    const socket = await open(target.token);
    const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));

    const suspended = await call<{ user: ModeratedUser }>(
      server.url,
      "POST",
      `/api/moderation/users/${target.user.id}/suspend`,
      { token: moderator.token, body: { reason: "Spam" } },
    );
    expect(suspended.status).toBe(200);
    expect(suspended.body.user).toMatchObject({ id: target.user.id, role: "buyer" });
    expect(suspended.body.user.suspendedAt).toEqual(expect.any(String));
    expect(await closed).toBe("io server disconnect");
    // Their own old token, the socket and a new sign-in all say why, with what to do.
    const suspension = { suspension: { reason: "Spam", since: suspended.body.user.suspendedAt } };
    const me = await call<{ error: { message: string; details: unknown } }>(server.url, "GET", "/api/me", {
      token: target.token,
    });
    expect(me.status).toBe(401);
    expect(me.body.error.details).toEqual(suspension);
    expect(me.body.error.message).toContain("Their reason: “Spam”");
    const refused = await connect(server.url, target.token).catch(
      (error: Error & { data?: unknown }) => error,
    );
    expect(refused).toMatchObject({ message: "unauthorized", data: suspension });
    const login = await call<{ error: { code: string; message: string; details: unknown } }>(
      server.url,
      "POST",
      "/api/auth/login",
      { body: { username: target.user.username, password: "correct horse battery" } },
    );
    expect(login.status).toBe(403);
    expect(login.body.error).toMatchObject({ code: "forbidden", details: suspension });
    expect(login.body.error.message).toMatch(/Their reason: “Spam”. If you think this is a mistake/);
    // A wrong password learns nothing about the suspension.
    const wrong = await call(server.url, "POST", "/api/auth/login", {
      body: { username: target.user.username, password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain("Spam");

    const reinstated = await call<{ user: ModeratedUser }>(
      server.url,
      "POST",
      `/api/moderation/users/${target.user.id}/reinstate`,
      { token: moderator.token, body: { reason: "Appeal" } },
    );
    expect(reinstated.status).toBe(200);
    expect(reinstated.body.user.suspendedAt).toBeNull();
    // The old token stays revoked; a new sign-in works.
    expect((await call(server.url, "GET", "/api/me", { token: target.token })).status).toBe(401);
    const again = await call<AuthResponse>(server.url, "POST", "/api/auth/login", {
      body: { username: target.user.username, password: "correct horse battery" },
    });
    expect(again.status).toBe(200);
    expect((await call(server.url, "GET", "/api/me", { token: again.body.token })).status).toBe(200);
  });

  it("lists who is suspended now, with the reasons, to moderators only", async () => {
    const target = await signUp(server.url, "seller");
    const list = () =>
      call<{ users: ModeratedUser[] }>(server.url, "GET", "/api/moderation/users?suspended=true", {
        token: moderator.token,
      });
    expect((await list()).body.users.map((user) => user.id)).not.toContain(target.user.id);
    await call(server.url, "POST", `/api/moderation/users/${target.user.id}/suspend`, {
      token: moderator.token,
      body: { reason: "Fake listings" },
    });
    const listed = await list();
    expect(listed.status).toBe(200);
    expect(listed.body.users[0]).toMatchObject({ id: target.user.id, suspendedReason: "Fake listings" });
    await call(server.url, "POST", `/api/moderation/users/${target.user.id}/reinstate`, {
      token: moderator.token,
      body: { reason: "Appeal accepted" },
    });
    expect((await list()).body.users.map((user) => user.id)).not.toContain(target.user.id);
    const unsupported = await call(server.url, "GET", "/api/moderation/users", { token: moderator.token });
    expect(unsupported.status).toBe(400);
    expect(
      (await call(server.url, "GET", "/api/moderation/users?suspended=true", { token: buyer.token })).status,
    ).toBe(403);
  });

  it("refuses to suspend a moderator (403), an unknown user (404), or twice (409)", async () => {
    const other = await createModerator(server);
    const onModerator = await call(server.url, "POST", `/api/moderation/users/${other.user.id}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    expect(onModerator.status).toBe(403);
    const self = await call(server.url, "POST", `/api/moderation/users/${moderator.user.id}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    expect(self.status).toBe(403);
    const unknown = await call(server.url, "POST", `/api/moderation/users/${crypto.randomUUID()}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    expect(unknown.status).toBe(404);
    const target = await signUp(server.url, "seller");
    const first = await call(server.url, "POST", `/api/moderation/users/${target.user.id}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    expect(first.status).toBe(200);
    const second = await call(server.url, "POST", `/api/moderation/users/${target.user.id}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    expect(second.status).toBe(409);
    const notSuspended = await call(server.url, "POST", `/api/moderation/users/${buyer.user.id}/reinstate`, {
      token: moderator.token,
      body: reason,
    });
    expect(notSuspended.status).toBe(409);
  });
});

describe("audit log", () => {
  it("records every moderator action, newest first, with a cursor", async () => {
    const item = await listItem(server.url, seller);
    const socket = await open(buyer.token);
    await requestOk(socket, "item:join", { itemId: item.id });
    const message = await say(socket, item.id, "audit me");
    const target = await signUp(server.url, "buyer");
    const actions: [string, unknown][] = [
      [`/api/moderation/items/${item.id}/events/${message.seq}/hide`, { reason: "a1" }],
      [`/api/moderation/items/${item.id}/events/${message.seq}/restore`, { reason: "a2" }],
      [`/api/moderation/users/${target.user.id}/suspend`, { reason: "a3" }],
      [`/api/moderation/users/${target.user.id}/reinstate`, { reason: "a4" }],
      [`/api/moderation/items/${item.id}/remove`, { reason: "a5" }],
    ];
    for (const [path, body] of actions) {
      expect((await call(server.url, "POST", path, { token: moderator.token, body })).status).toBe(200);
    }
    const page = await call<{ entries: AuditEntry[]; nextCursor: string | null }>(
      server.url,
      "GET",
      "/api/moderation/audit?limit=3",
      { token: moderator.token },
    );
    expect(page.status).toBe(200);
    expect(page.body.entries.map((entry) => entry.action)).toEqual(["remove", "reinstate", "suspend"]);
    expect(page.body.entries[0]).toEqual({
      id: expect.any(String),
      moderator: { id: moderator.user.id, username: moderator.user.username },
      action: "remove",
      target: { type: "item", itemId: item.id },
      reason: "a5",
      createdAt: expect.any(String),
    });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await call<{ entries: AuditEntry[] }>(
      server.url,
      "GET",
      `/api/moderation/audit?limit=2&cursor=${page.body.nextCursor}`,
      { token: moderator.token },
    );
    expect(next.body.entries.map((entry) => [entry.action, entry.target])).toEqual([
      ["restore", { type: "event", itemId: item.id, seq: message.seq }],
      ["hide", { type: "event", itemId: item.id, seq: message.seq }],
    ]);
  });

  it("writes nothing, not even the audit entry, when the action fails", async () => {
    const [before] = await server.db.query<{ n: number }>("select count(*)::int as n from audit_log");
    const other = await createModerator(server);
    await call(server.url, "POST", `/api/moderation/users/${other.user.id}/suspend`, {
      token: moderator.token,
      body: reason,
    });
    const [after] = await server.db.query<{ n: number }>("select count(*)::int as n from audit_log");
    expect(after?.n).toBe(before?.n);
  });
});

describe("moderation:watch", () => {
  it("acks the most recently active items, then streams every item's events once, even to a moderator in the room", async () => {
    const quiet = await listItem(server.url, seller, { title: "Quiet" });
    const busy = await listItem(server.url, seller, { title: "Busy" });
    const buyerSocket = await open(buyer.token);
    await requestOk(buyerSocket, "item:join", { itemId: quiet.id });
    await say(buyerSocket, quiet.id, "bump");

    const modSocket = await open(moderator.token);
    const { items } = await requestOk<{ items: Item[] }>(modSocket, "moderation:watch", {});
    expect(items[0]?.id).toBe(quiet.id);
    expect(items.map((item) => item.id)).toContain(busy.id);
    await requestOk(modSocket, "item:join", { itemId: busy.id });
    const live = collect(modSocket, "item:event");
    await requestOk(buyerSocket, "item:join", { itemId: busy.id });
    const first = await say(buyerSocket, busy.id, "in a room the moderator joined");
    const second = await say(buyerSocket, quiet.id, "in a room the moderator did not join");
    await eventually(() =>
      expect(live.map((p) => [p.itemId, p.event.seq])).toEqual([
        [busy.id, first.seq],
        [quiet.id, second.seq],
      ]),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(live).toHaveLength(2);
  });
});

describe("non-moderators", () => {
  it("get 403 forbidden on every moderation route and on moderation:watch", async () => {
    const id = crypto.randomUUID();
    const routes: [string, string][] = [
      ["GET", "/api/moderation/reports"],
      ["GET", "/api/moderation/reports?status=resolved"],
      ["POST", `/api/moderation/reports/${id}/resolve`],
      ["POST", `/api/moderation/items/${id}/events/1/hide`],
      ["POST", `/api/moderation/items/${id}/events/1/restore`],
      ["POST", `/api/moderation/items/${id}/remove`],
      ["POST", `/api/moderation/users/${buyer.user.id}/suspend`],
      ["POST", `/api/moderation/users/${buyer.user.id}/reinstate`],
      ["GET", "/api/moderation/audit"],
      ["GET", "/api/moderation/users?suspended=true"],
    ];
    for (const session of [buyer, seller]) {
      for (const [method, path] of routes) {
        const response = await call(server.url, method, path, {
          token: session.token,
          ...(method === "POST" ? { body: reason } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body, `${method} ${path}`).toMatchObject({ error: { code: "forbidden" } });
      }
      const socket = await open(session.token);
      expect(await request(socket, "moderation:watch", {})).toMatchObject({
        ok: false,
        error: { code: "forbidden" },
      });
    }
    for (const [method, path] of routes) {
      expect((await call(server.url, method, path, method === "POST" ? { body: reason } : {})).status).toBe(
        401,
      );
    }
    const [audit] = await server.db.query<{ n: number }>(
      "select count(*)::int as n from audit_log a join users u on u.id = a.moderator_id where u.role <> 'moderator'",
    );
    expect(audit?.n).toBe(0);
  });
});
