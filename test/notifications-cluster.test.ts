import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal } from "../shared/deals.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import {
  type Cluster,
  type ServerProcess,
  startCluster,
  stopCluster,
  type TestDatabase,
} from "./helpers/processes.js";
import { startSmtpCapture } from "./helpers/smtp-capture.js";
import { collect, eventually, joinItem, sendMessage } from "./helpers/sockets.js";

// Two real server processes on one PostgreSQL database and one Redis, both running the outbox readers,
// the timer worker and the email worker: every entry, timer and email is raced for.
let cluster: Cluster;
let database: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  cluster = await startCluster({ SMTP_URL: smtp.url, EMAIL_COALESCE_SECONDS: "300" });
  ({ database, a, b } = cluster);
});
afterAll(async () => {
  await stopCluster(cluster);
  await smtp?.stop();
});

const socketOn = (server: ServerProcess, session: Session) => cluster.socketOn(server, session);

const usd = (amount: number) => ({ amount, currency: "usd" as const });

describe("notifications on two server processes", () => {
  it("creates, pushes and emails each notification exactly once, whichever process wrote or read it", async () => {
    const seller = await signUp(a.url, "seller");
    const address = `seller-${randomUUID().slice(0, 8)}@example.test`;
    await call(a.url, "PATCH", "/api/me", { token: seller.token, body: { email: address } });
    await database.query("update users set email_verified_at = now() where id = $1", [seller.user.id]);
    const buyers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => signUp(a.url, "buyer")));
    const items = await Promise.all(
      buyers.map((_, i) => listItem(a.url, seller, { title: `Item ${i}`, price: usd(10_000) })),
    );
    // The seller has a socket on each process.
    const pushed = await Promise.all([socketOn(a, seller), socketOn(b, seller)]).then((sockets) =>
      sockets.map((socket) => collect(socket, "notification")),
    );

    // Offers and room messages arrive on both processes at once.
    const deals = await Promise.all(
      buyers.map(async (buyer, i) => {
        const server = i % 2 ? b : a;
        const socket = await socketOn(server, buyer);
        await joinItem(socket, items[i]!.id);
        await sendMessage(socket, items[i]!.id, `Hello ${i}`);
        await sendMessage(socket, items[i]!.id, `Still there ${i}?`);
        return (
          await call<{ deal: Deal }>(server.url, "POST", `/api/items/${items[i]!.id}/offers`, {
            token: buyer.token,
            body: { amount: usd(6_000) },
          })
        ).body.deal;
      }),
    );

    await eventually(async () => {
      const rows = await database.query<{ type: string; n: number }>(
        `select type, count(*)::int as n from notifications where user_id = $1 group by type order by type`,
        [seller.user.id],
      );
      // One offer notice per deal; one message notice per room, however many messages.
      expect(rows).toEqual([
        { type: "message.received", n: items.length },
        { type: "offer.received", n: deals.length },
      ]);
    }, 15_000);
    const stored = await database.query<{ id: string; type: string }>(
      "select id, type from notifications where user_id = $1",
      [seller.user.id],
    );
    // Each socket heard each notice once: an offer's, and a room's (an unread room notice is not rewritten
    // by the room's later messages, so it is pushed once, whichever process read which message).
    for (const received of pushed) {
      await eventually(() => {
        for (const { id } of stored) {
          expect(received.filter((payload) => payload.notification.id === id)).toHaveLength(1);
        }
      }, 10_000);
    }

    // Emails: one per deal's offer (room messages are off by default), none twice.
    await eventually(() => expect(smtp.to(address)).toHaveLength(deals.length), 20_000);
    const subjects = smtp
      .to(address)
      .map((email) => email.subject)
      .sort();
    expect(subjects).toEqual(items.map((item) => `New offer on “${item.title}”`).sort());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(smtp.to(address)).toHaveLength(deals.length);
    expect(
      await database.query("select 1 from email_queue where sent_at is null and user_id = $1", [
        seller.user.id,
      ]),
    ).toEqual([]);
  });

  it("announces an auction's last hour once", async () => {
    const seller = await signUp(a.url, "seller");
    const watcher = await signUp(b.url, "buyer");
    const item = await listItem(a.url, seller, {
      title: "Raced clock",
      price: usd(1_000),
      sale: {
        kind: "auction",
        startingBid: usd(1_000),
        endsAt: new Date(Date.now() + 7_200_000).toISOString(),
      } as never,
    });
    await call(b.url, "PUT", `/api/me/favorites/${item.id}`, { token: watcher.token });
    await database.query(
      "update timers set fire_at = now() where item_id = $1 and transition = 'auction.ending'",
      [item.id],
    );
    await eventually(async () => {
      const rows = await database.query(
        "select 1 from notifications where user_id = $1 and type = 'auction.ending'",
        [watcher.user.id],
      );
      expect(rows).toHaveLength(1);
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(
      await database.query("select 1 from notifications where user_id = $1 and type = 'auction.ending'", [
        watcher.user.id,
      ]),
    ).toHaveLength(1);
  });
});
