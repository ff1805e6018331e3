import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent, WebhookEndpoint } from "../shared/integrations.js";
import { listItem, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { feedPage } from "./helpers/integrations.js";
import {
  type Cluster,
  runScript,
  type ServerProcess,
  startCluster,
  stopCluster,
  type TestDatabase,
} from "./helpers/processes.js";
import { eventually } from "./helpers/sockets.js";
import { startReceiver } from "./helpers/webhook-receiver.js";

// Two real server processes on one PostgreSQL database: both drain the outbox, both run the webhooks
// reader and the delivery worker. The API key is made and revoked with the operator scripts.
let cluster: Cluster;
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;
let dataDir: string;
let key: string;

const script = (name: string, args: string[]) =>
  runScript(name, args, { DATABASE_URL: database.url, DATA_DIR: dataDir });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "parley-keys-"));
  cluster = await startCluster({ WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_SECONDS: "0.5" });
  ({ database, a, b } = cluster);
  const created = await script("apikey-create.ts", ["--name", "cluster test"]);
  expect(created.code).toBe(0);
  key = /^(parley_[A-Za-z0-9_-]{43})$/m.exec(created.output)?.[1] ?? "";
  expect(key).not.toBe("");
});

afterAll(async () => {
  await stopCluster(cluster);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("integrations on two server processes", () => {
  it("page the feed without gaps or repeats and deliver each event once, while both processes write", async () => {
    const receiver = await startReceiver();
    const created = await call<{ endpoint: WebhookEndpoint }>(a.url, "POST", "/api/webhook-endpoints", {
      token: key,
      body: { url: receiver.url, types: ["item.created"] },
    });
    expect(created.status).toBe(201);
    const secret = created.body.endpoint.secret ?? "";

    const sellers = await Promise.all([a, b, a, b].map((server) => signUp(server.url, "seller")));
    let done = false;
    const writing = Promise.all(
      sellers.map(async (seller, i) => {
        const server = i % 2 ? b : a;
        for (let n = 0; n < 10; n++) await listItem(server.url, seller, { title: `Two processes ${i}.${n}` });
      }),
    ).finally(() => {
      done = true;
    });
    // An integration polls process b while both write.
    const seen: FeedEvent[] = [];
    let after = 0;
    let idle = 0;
    while (!done || idle < 3) {
      const page = await feedPage(b.url, key, `after=${after}&limit=5&types=item.*`);
      seen.push(...page.events);
      idle = page.nextAfter === after ? idle + 1 : 0;
      after = page.nextAfter;
      if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await writing;
    await eventually(async () => {
      const rows = await database.query<{ n: number }>(
        "select count(*)::int as n from outbox where type = 'item.created' and position is not null",
      );
      expect(rows[0]?.n).toBe(40);
    });
    // Catch up with what committed after the loop's last look.
    for (;;) {
      const page = await feedPage(b.url, key, `after=${after}&types=item.*`);
      seen.push(...page.events);
      if (page.nextAfter === after) break;
      after = page.nextAfter;
    }
    const positions = seen.map((event) => event.position);
    const expected = await database.query<{ position: string }>(
      "select position from outbox where type like 'item.%' order by position",
    );
    expect(positions).toEqual(expected.map((row) => Number(row.position)));

    // Every item.created reached the receiver exactly once, verified.
    await eventually(() => expect(receiver.received.length).toBe(40), 20_000);
    const verifier = new Webhook(secret);
    const ids = receiver.received.map((request) => {
      const event = verifier.verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      }) as FeedEvent;
      return event.id;
    });
    expect(new Set(ids).size).toBe(40);
    const rows = await database.query<{ n: number; attempts: number }>(
      "select count(*)::int as n, sum(attempts)::int as attempts from webhook_deliveries",
    );
    expect(rows[0]).toEqual({ n: 40, attempts: 40 });
    // Stays once: nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received.length).toBe(40);
    await receiver.close();
  });

  it("refuses a key revoked with apikey:revoke, on both processes", async () => {
    const prefix = key.slice(0, 15);
    const revoked = await script("apikey-revoke.ts", [prefix]);
    expect(revoked.code).toBe(0);
    expect(revoked.output).toContain(`prefix ${prefix}`);
    for (const server of [a, b]) {
      expect((await call(server.url, "GET", "/api/feed", { token: key })).status).toBe(401);
    }
    const again = await script("apikey-revoke.ts", [prefix]);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/already revoked/);
  });
});
