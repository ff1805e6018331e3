import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/db.js";
import { migrate } from "../db/migrate.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { notifyMembers } from "./store.js";

const schema = process.env.DATABASE_URL ? `t_${randomBytes(6).toString("hex")}` : undefined;
let db: Db;
const [seller, ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const item = randomUUID();
const deal = randomUUID();

beforeAll(async () => {
  db = process.env.DATABASE_URL
    ? await openPostgres(process.env.DATABASE_URL, { schema, max: 2 })
    : await openPglite(undefined);
  await migrate(db);
  for (const [id, name] of [
    [seller, "seller"],
    [ann, "ann"],
    [bob, "bob"],
    [cat, "cat"],
  ] as const) {
    await db.query(
      "insert into users (id, username, display_name, role, password_hash) values ($1, $2, $2, 'buyer', 'x')",
      [id, `${name}-${id.slice(0, 6)}`],
    );
  }
  await db.query(
    `insert into items (id, seller_id, title, description, price_amount, price_currency, last_seq)
     values ($1, $2, 'Lamp', 'A lamp.', 1000, 'usd', 1)`,
    [item, seller],
  );
  await db.query("insert into item_members (item_id, user_id) values ($1, $2), ($1, $3), ($1, $4)", [
    item,
    ann,
    bob,
    cat,
  ]);
  await db.query(
    `insert into deals (id, item_id, process, state, buyer_id, seller_id, quantity, unit_amount, currency, total_amount)
     values ($1, $2, 'buy-now', 'paid', $3, $4, 1, 1000, 'usd', 1000)`,
    [deal, item, ann, seller],
  );
});

afterAll(async () => {
  await db.close();
});

const notice = (firstOnly: boolean) => ({
  titles: { one: "New message about Lamp", many: "{count} new messages about Lamp" },
  firstOnly,
  link: "/somewhere",
  data: { itemId: item },
});
const message = (seq: number, authorId: string, preview: string) => ({
  seq,
  authorId,
  authorName: authorId === seller ? "Seller" : authorId === ann ? "Ann" : "Bob",
  preview,
});

/** Each user's unread notice for a conversation: title, body, count. */
async function unread(conversation: string) {
  const rows = await db.query<{ user_id: string; title: string; body: string; count: number }>(
    `select user_id, title, body, (data->>'count')::int as count from notifications
      where conversation = $1 and read_at is null`,
    [conversation],
  );
  return new Map(rows.map(({ user_id, ...rest }) => [user_id, rest]));
}

describe("notifyMembers", () => {
  it("tells each room member of the messages they did not write, once while unread", async () => {
    const first = await notifyMembers(
      db,
      { type: "item", id: item },
      [message(2, ann, "Is it red?"), message(3, bob, "And the cable?"), message(4, ann, "Still here?")],
      notice(true),
    );
    expect(first).toHaveLength(4);
    const after = await unread(`item:${item}`);
    // Ann wrote two of the three: she hears of Bob's only.
    expect(after.get(ann)).toEqual({
      title: "New message about Lamp",
      body: "Bob: And the cable?",
      count: 1,
    });
    expect(after.get(bob)).toEqual({
      title: "2 new messages about Lamp",
      body: "Ann: Still here?",
      count: 2,
    });
    expect(after.get(seller)?.count).toBe(3);
    expect(after.get(cat)?.body).toBe("Ann: Still here?");

    // A room's unread notice is left alone; only someone who read theirs gets a new one.
    await db.query("update notifications set read_at = now() where user_id = $1", [cat]);
    const second = await notifyMembers(
      db,
      { type: "item", id: item },
      [message(5, bob, "Hello?")],
      notice(true),
    );
    expect(second.map((stored) => stored.userId)).toEqual([cat]);
    expect((await unread(`item:${item}`)).get(ann)?.body).toBe("Bob: And the cable?");
  });

  it("counts a deal thread's messages on the other party's unread notice; an author alone hears nothing", async () => {
    const conversation = { type: "deal", id: deal } as const;
    const byAnn = await notifyMembers(db, conversation, [message(2, ann, "Paid!")], notice(false));
    expect(byAnn.map((stored) => stored.userId)).toEqual([seller]);
    const mixed = await notifyMembers(
      db,
      conversation,
      [message(3, seller, "Thanks"), message(4, ann, "When do you ship?")],
      notice(false),
    );
    expect(mixed.map((stored) => stored.userId).sort()).toEqual([ann, seller].sort());
    const after = await unread(`deal:${deal}`);
    expect(after.get(seller)).toEqual({
      title: "2 new messages about Lamp",
      body: "Ann: When do you ship?",
      count: 2,
    });
    expect(after.get(ann)).toEqual({ title: "New message about Lamp", body: "Seller: Thanks", count: 1 });
  });
});
