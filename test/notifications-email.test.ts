import { randomUUID } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../shared/deals.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { type CapturedEmail, startSmtpCapture } from "./helpers/smtp-capture.js";
import { type ClientSocket, connect, eventually, requestOk } from "./helpers/sockets.js";

let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let server: TestServer;
let seller: Session;
let buyer: Session;
const sockets: ClientSocket[] = [];

const COALESCE_SECONDS = 3;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  server = await startServer({
    env: {
      SMTP_URL: smtp.url,
      EMAIL_COALESCE_SECONDS: String(COALESCE_SECONDS),
      PUBLIC_URL: "http://parley.test",
    },
  });
  [seller, buyer] = await Promise.all([
    signUp(server.url, "seller", { displayName: "Sam" }),
    signUp(server.url, "buyer", { displayName: "Bea" }),
  ]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.close();
  await smtp?.stop();
});

const usd = (amount: number) => ({ amount, currency: "usd" as const });

async function setEmail(session: Session, email: string) {
  const { status } = await call(server.url, "PATCH", "/api/me", { token: session.token, body: { email } });
  expect(status).toBe(200);
}

/** The verification link's token from the one verification email to `address`. */
async function verificationToken(address: string): Promise<string> {
  let token = "";
  await eventually(() => {
    const [email] = smtp.to(address).filter((e) => e.subject === "Confirm your email address for Parley");
    expect(email).toBeDefined();
    token = decodeURIComponent(email!.text.match(/verify-email\?token=([^\s]+)/)?.[1] ?? "");
    expect(token).not.toBe("");
  }, 10_000);
  return token;
}

const offer = (item: string, amount = 5_000) =>
  call<{ deal: Deal }>(server.url, "POST", `/api/items/${item}/offers`, {
    token: buyer.token,
    body: { amount: usd(amount) },
  });

/** Waits until the reader has stored the seller's notification about `dealId` (it ran past the entry). */
async function storedFor(session: Session, dealId: string) {
  await eventually(async () => {
    const rows = await server.db.query(
      "select 1 from notifications where user_id = $1 and data->>'dealId' = $2",
      [session.user.id, dealId],
    );
    expect(rows.length).toBeGreaterThan(0);
  });
}

/** Waits until every queued email is sent (so that a held one is the one a test holds). */
async function allSent() {
  await eventually(async () => {
    expect(await server.db.query("select id from email_queue where sent_at is null")).toEqual([]);
  }, 20_000);
}

describe("email", () => {
  it("verifies a new address by a signed link, and sends nothing else to it before", async () => {
    const address = `sam-${randomUUID().slice(0, 8)}@example.test`;
    await setEmail(seller, address);
    const token = await verificationToken(address);
    expect(smtp.to(address)[0]!.html).toContain("http://parley.test/verify-email?token=");

    // Unverified: a notification is stored, nothing is queued or sent.
    const item = await listItem(server.url, seller, { title: "Unverified lamp", price: usd(10_000) });
    const unverified = await offer(item.id);
    await storedFor(seller, unverified.body.deal.id);
    expect(
      await server.db.query("select 1 from email_queue where user_id = $1 and kind = 'notification'", [
        seller.user.id,
      ]),
    ).toEqual([]);

    // A forged or wrong token is refused in words; the real one verifies.
    const forged = await call<{ error: { code: string; message: string } }>(
      server.url,
      "POST",
      "/api/auth/verify-email",
      {
        body: { token: `${token}x` },
      },
    );
    expect([forged.status, forged.body.error.message]).toEqual([
      400,
      "This link is not valid or has expired; ask for a new one",
    ]);
    const verified = await call<{ user: { email: string } }>(server.url, "POST", "/api/auth/verify-email", {
      body: { token },
    });
    expect(verified.status).toBe(200);
    expect(verified.body.user.email).toBe(address);
    const settings = await call<{ email: { address: string; verified: boolean; enabled: boolean } }>(
      server.url,
      "GET",
      "/api/me/preferences",
      { token: seller.token },
    );
    expect(settings.body.email).toEqual({ address, verified: true, enabled: true });
    expect(smtp.to(address)).toHaveLength(1);
  });

  it("emails a notification in plain text and escaped HTML with its link and an unsubscribe link that works", async () => {
    const address = (
      await server.db.query<{ email: string }>("select email from users where id = $1", [seller.user.id])
    )[0]!.email;
    const item = await listItem(server.url, seller, { title: "Lamp <b>bold</b>", price: usd(10_000) });
    const { body } = await offer(item.id);
    const dealId = body.deal.id;
    let email = smtp.to(address).at(-1)!;
    await eventually(() => {
      email = smtp.to(address).at(-1)!;
      expect(email.subject).toBe("New offer on “Lamp <b>bold</b>”");
    }, 10_000);
    expect(email.text).toContain(`http://parley.test/deals/${dealId}`);
    expect(email.html).toContain("Lamp &lt;b&gt;bold&lt;/b&gt;");
    expect(email.html).not.toContain("<b>bold</b>");
    expect(email.raw).toMatch(/List-Unsubscribe:\s+<http:\/\/parley\.test\/api\/email\/unsubscribe\?token=/);

    // The unsubscribe link (as the email gives it, on this server): GET asks, POST turns the type off.
    const link = email.text.match(/http:\/\/parley\.test(\/api\/email\/unsubscribe\?token=[^\s]+)/)?.[1];
    expect(link).toBeTruthy();
    const page = await fetch(`${server.url}${link}`);
    expect(await page.text()).toContain("Stop these emails");
    const done = await fetch(`${server.url}${link}`, { method: "POST" });
    expect(await done.text()).toContain("You will no longer get emails about offers received.");
    const prefs = await call<{ preferences: { email: Record<string, boolean> } }>(
      server.url,
      "GET",
      "/api/me/preferences",
      { token: seller.token },
    );
    expect(prefs.body.preferences.email["offer.received"]).toBe(false);

    // The next offer is a notification, not an email.
    const sent = smtp.to(address).length;
    const other = await listItem(server.url, seller, { title: "Quiet lamp", price: usd(10_000) });
    const quiet = await offer(other.id);
    await storedFor(seller, quiet.body.deal.id);
    expect(
      await server.db.query("select 1 from email_queue where user_id = $1 and coalesce_key = $2", [
        seller.user.id,
        `deal:${quiet.body.deal.id}`,
      ]),
    ).toEqual([]);
    expect(smtp.to(address)).toHaveLength(sent);
  });

  it("coalesces a conversation's emails: at most one per EMAIL_COALESCE_SECONDS", async () => {
    const address = `bea-${randomUUID().slice(0, 8)}@example.test`;
    await setEmail(buyer, address);
    await call(server.url, "POST", "/api/auth/verify-email", {
      body: { token: await verificationToken(address) },
    });
    const item = await listItem(server.url, seller, { title: "Chatty chair", price: usd(10_000) });
    const dealId = (await offer(item.id)).body.deal.id;
    const socket = await connect(server.url, seller.token);
    sockets.push(socket);
    const say = (text: string) =>
      requestOk(socket, "message:send", { dealId, text, clientMessageId: randomUUID() });
    const messages = (emails: readonly CapturedEmail[] = smtp.received) =>
      emails.filter((e) => e.to.includes(address) && e.text.includes(`/deals/${dealId}`));

    await say("First");
    await eventually(() => expect(messages()).toHaveLength(1), 10_000);
    expect(messages()[0]!.text).toContain("Sam: First");
    await say("Second");
    await say("Third");
    // Within the window: one more email, after it, carrying the conversation's latest.
    await eventually(() => expect(messages()).toHaveLength(2), 15_000);
    expect(messages()[1]!.subject).toBe("3 new messages about “Chatty chair”");
    expect(messages()[1]!.text).toContain("Sam: Third");
    await new Promise((resolve) => setTimeout(resolve, (COALESCE_SECONDS + 1) * 1000));
    expect(messages()).toHaveLength(2);
  });

  it("retries with backoff while the SMTP server is down, then sends once; nothing lost", async () => {
    const address = (
      await server.db.query<{ email: string }>("select email from users where id = $1", [buyer.user.id])
    )[0]!.email;
    await smtp.stop();
    const item = await listItem(server.url, seller, { title: "Patient vase", price: usd(10_000) });
    const dealId = (await offer(item.id)).body.deal.id;
    await call(server.url, "POST", `/api/deals/${dealId}/transitions/accept`, { token: seller.token });
    await eventually(async () => {
      const [row] = await server.db.query<{
        attempts: number;
        last_error: string | null;
        sent_at: Date | null;
      }>("select attempts, last_error, sent_at from email_queue where user_id = $1 and coalesce_key = $2", [
        buyer.user.id,
        `deal:${dealId}`,
      ]);
      expect(row?.attempts).toBeGreaterThanOrEqual(1);
      expect(row?.last_error).toBeTruthy();
      expect(row?.sent_at).toBeNull();
    }, 10_000);
    await smtp.start();
    await eventually(() => {
      expect(smtp.to(address).filter((e) => e.subject === "Offer accepted on “Patient vase”")).toHaveLength(
        1,
      );
    }, 20_000);
    // Marked sent once the mailer heard the server accept (just after the capture kept it).
    await eventually(async () => {
      const [row] = await server.db.query<{ sent_at: Date | null }>(
        "select sent_at from email_queue where user_id = $1 and coalesce_key = $2",
        [buyer.user.id, `deal:${dealId}`],
      );
      expect(row?.sent_at).not.toBeNull();
    });
  });

  it("keeps the database usable while an SMTP server hangs, then sends the email once a working one replaces it", async () => {
    const address = (
      await server.db.query<{ email: string }>("select email from users where id = $1", [buyer.user.id])
    )[0]!.email;
    // On the SMTP port, a server that accepts connections and never says a word.
    await smtp.stop();
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on("close", () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(Number(new URL(smtp.url).port), "127.0.0.1", resolve));

    // A second accepted offer, whose payment window is made to end while the send hangs (below).
    const lamp = await listItem(server.url, seller, { title: "Hanging lamp", price: usd(10_000) });
    const lampDealId = (await offer(lamp.id)).body.deal.id;
    await call(server.url, "POST", `/api/deals/${lampDealId}/transitions/accept`, { token: seller.token });
    const item = await listItem(server.url, seller, { title: "Hanging clock", price: usd(10_000) });
    const dealId = (await offer(item.id)).body.deal.id;
    await call(server.url, "POST", `/api/deals/${dealId}/transitions/accept`, { token: seller.token });
    const row = () =>
      server.db.query<{ attempts: number; leased: boolean; claim: string | null; sent_at: Date | null }>(
        `select attempts, claimed_until > now() as leased, claim, sent_at from email_queue
          where user_id = $1 and coalesce_key = $2`,
        [buyer.user.id, `deal:${dealId}`],
      );
    await eventually(async () => {
      expect(held.size).toBeGreaterThan(0);
      expect((await row())[0]?.leased).toBe(true);
    }, 10_000);

    // While the send hangs, a request that reads the database answers at once: no transaction is open.
    const started = Date.now();
    const prefs = await call(server.url, "GET", "/api/me/preferences", { token: buyer.token });
    const elapsed = Date.now() - started;
    expect(prefs.status).toBe(200);
    expect(held.size).toBeGreaterThan(0); // still hanging: the answer did not wait for the send to end
    expect(elapsed).toBeLessThan(2_000);
    // Nor do timers wait for the mail: a payment window that ends now ends within the worker's second.
    await server.db.query("update timers set fire_at = now() where deal_id = $1 and fired_at is null", [
      lampDealId,
    ]);
    await eventually(async () => {
      const deal = await call<{ deal: Deal }>(server.url, "GET", `/api/deals/${lampDealId}`, {
        token: buyer.token,
      });
      expect(deal.body.deal.state).toBe("expired");
    }, 4_000);
    expect(held.size).toBeGreaterThan(0);

    // The silent server goes (its connection with it): the failure is recorded and the lease let go.
    await new Promise<void>((resolve) => {
      silent.close(() => resolve());
      for (const socket of held) socket.destroy();
    });
    await eventually(async () => {
      const [failed] = await row();
      expect(failed?.attempts).toBeGreaterThanOrEqual(1);
      expect(failed?.claim).toBeNull();
      expect(failed?.sent_at).toBeNull();
    }, 10_000);
    await smtp.start();
    const accepted = () => smtp.to(address).filter((e) => e.subject === "Offer accepted on “Hanging clock”");
    await eventually(async () => {
      expect((await row())[0]?.sent_at).not.toBeNull();
    }, 20_000);
    expect(accepted()).toHaveLength(1);
    expect((await row())[0]?.claim).toBeNull();
    // Nothing queued during the outage is lost: every email waiting for its retry goes once it is due
    // (made due now; the backoff itself is `retryDelaySeconds`'s).
    await server.db.query("update email_queue set send_after = now() where sent_at is null");
    await allSent();
  });

  it("sends the parts that joined an email while it was being sent in the next email: none lost", async () => {
    const address = (
      await server.db.query<{ email: string }>("select email from users where id = $1", [buyer.user.id])
    )[0]!.email;
    const item = await listItem(server.url, seller, { title: "Busy desk", price: usd(10_000) });
    const dealId = (await offer(item.id)).body.deal.id;
    const socket = await connect(server.url, seller.token);
    sockets.push(socket);
    const say = (text: string) =>
      requestOk(socket, "message:send", { dealId, text, clientMessageId: randomUUID() });
    const messages = (emails: readonly CapturedEmail[] = smtp.received) =>
      emails.filter((e) => e.to.includes(address) && e.text.includes(`/deals/${dealId}`));
    const rows = () =>
      server.db.query<{ parts: unknown[]; sent_at: Date | null }>(
        "select parts, sent_at from email_queue where user_id = $1 and coalesce_key = $2 order by created_at",
        [buyer.user.id, `deal:${dealId}`],
      );

    // The first message's email reaches the SMTP server, which holds its answer; a second message joins
    // the email meanwhile (the row is leased, not locked). Any email still queued goes first: held, it would
    // keep this one from being sent.
    await allSent();
    const release = smtp.hold();
    try {
      await say("Before");
      await eventually(() => expect(messages(smtp.held)).toHaveLength(1), 10_000);
      await say("During");
      await eventually(async () => expect((await rows())[0]?.parts).toHaveLength(2), 5_000);
    } finally {
      release();
    }

    await eventually(() => expect(messages()).toHaveLength(2), 15_000);
    expect(messages()[0]!.text).toContain("Sam: Before");
    expect(messages()[0]!.text).not.toContain("During");
    expect(messages()[1]!.text).toContain("Sam: During");
    // Marked sent once the mailer heard the server accept (just after the capture kept it).
    await eventually(async () =>
      expect((await rows()).map((row) => [row.parts.length, row.sent_at !== null])).toEqual([
        [1, true],
        [1, true],
      ]),
    );
  });

  it("sends a verification to an address changed while the old one's was being sent", async () => {
    const mover = await signUp(server.url, "buyer", { displayName: "Mo" });
    const [first, second] = ["first", "second"].map(
      (n) => `mo-${n}-${randomUUID().slice(0, 8)}@example.test`,
    );
    await allSent();
    const release = smtp.hold();
    try {
      await setEmail(mover, first!);
      await eventually(() => expect(smtp.held.filter((e) => e.to.includes(first!))).toHaveLength(1), 10_000);
      await setEmail(mover, second!);
      // The reader has seen the change (the old address's verification is still unsent, so it queued nothing).
      await eventually(async () => {
        const unread = await server.db.query(
          `select 1 from outbox where position is null
              or position > (select position from outbox_readers where name = 'notifications')`,
        );
        expect(unread).toEqual([]);
      }, 10_000);
    } finally {
      release();
    }
    expect(await verificationToken(first!)).not.toBe("");
    expect(await verificationToken(second!)).not.toBe("");
  });
});
