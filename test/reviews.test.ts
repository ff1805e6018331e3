import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, type DealEvent } from "../shared/events.js";
import type { Profile } from "../shared/profiles.js";
import type { DealReviews, Review, ReviewPage } from "../shared/reviews.js";
import { listItem, type Session, signUp } from "./factories.js";
import { call } from "./helpers/http.js";
import { createModerator } from "./helpers/moderators.js";
import { buyAndPay, completeDeal, takeTransition } from "./helpers/orders.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { eventually } from "./helpers/sockets.js";

/** A short window on its own server: blind reviews publish when it ends. */
const SHORT_WINDOW_SECONDS = 4;

let server: TestServer;
let shortWindow: TestServer;
/** A second process on the short window's database: two sweepers race for each timer. */
let shortWindowTwin: TestServer;
let moderator: Session;

beforeAll(async () => {
  [server, shortWindow] = await Promise.all([
    startServer(),
    startServer({ env: { REVIEW_WINDOW_SECONDS: String(SHORT_WINDOW_SECONDS) } }),
  ]);
  shortWindowTwin = await startServer({
    db: shortWindow.db,
    env: { REVIEW_WINDOW_SECONDS: String(SHORT_WINDOW_SECONDS) },
  });
  moderator = await createModerator(server);
  // Three servers' start-up (migrations on fresh databases) on a busy machine.
}, 120_000);
afterAll(async () => {
  await shortWindowTwin?.close();
  await Promise.all([server?.close(), shortWindow?.close()]);
});

type Parties = { seller: Session; buyer: Session };

/** A seller, a buyer and a deal between them, paid (and completed unless told otherwise). */
async function dealBetween(on: TestServer, options: { complete?: boolean } = {}) {
  const [seller, buyer] = await Promise.all([signUp(on.url, "seller"), signUp(on.url, "buyer")]);
  const item = await listItem(on.url, seller);
  const deal = await buyAndPay(on.url, buyer, item.id);
  if (options.complete !== false) await completeDeal(on.url, buyer, deal.id);
  return { seller, buyer, dealId: deal.id };
}

const review = (on: TestServer, session: Session, dealId: string, body: unknown) =>
  call<{ review: Review }>(on.url, "POST", `/api/deals/${dealId}/reviews`, { token: session.token, body });
const dealReviews = (on: TestServer, session: Session, dealId: string) =>
  call<DealReviews>(on.url, "GET", `/api/deals/${dealId}/reviews`, { token: session.token });
const aboutUser = (on: TestServer, userId: string, query = "") =>
  call<ReviewPage>(on.url, "GET", `/api/users/${userId}/reviews${query}`);
const ratingOf = async (on: TestServer, userId: string) =>
  (await call<{ user: Profile }>(on.url, "GET", `/api/users/${userId}`)).body.user.rating;
/** The thread's `custom:review` events as `action:role`, as the seller reads them. */
const reviewEvents = async (on: TestServer, session: Session, dealId: string) =>
  (
    await call<{ events: DealEvent[] }>(on.url, "GET", `/api/deals/${dealId}/events`, {
      token: session.token,
    })
  ).body.events.flatMap((event) => {
    const body = bodyOf(event, "custom:review");
    return body ? [`${body.action}${body.role ? `:${body.role}` : ""}`] : [];
  });
const publishedEntries = async (on: TestServer, dealId: string) =>
  on.db.query<{ resource_id: string }>(
    "select resource_id from outbox where type = 'review.published' and data->>'dealId' = $1",
    [dealId],
  );

describe("who may review", () => {
  let parties: Parties & { dealId: string };
  beforeAll(async () => {
    parties = await dealBetween(server, { complete: false });
  });

  it("refuses a deal that is not completed yet", async () => {
    const { status, body } = await review(server, parties.buyer, parties.dealId, {
      rating: 5,
      text: "Great",
    });
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: { code: "conflict" } });
    expect((await dealReviews(server, parties.buyer, parties.dealId)).body).toEqual({
      reviews: [],
      windowEndsAt: null,
      canReview: false,
    });
  });

  it("hides the deal from outsiders (404) and keeps moderators from reviewing (403)", async () => {
    await completeDeal(server.url, parties.buyer, parties.dealId);
    const outsider = await signUp(server.url, "buyer");
    expect((await review(server, outsider, parties.dealId, { rating: 1, text: "?" })).status).toBe(404);
    expect((await review(server, moderator, parties.dealId, { rating: 1, text: "?" })).status).toBe(403);
    expect(
      (await call(server.url, "POST", `/api/deals/${parties.dealId}/reviews`, { body: {} })).status,
    ).toBe(401);
  });

  it("validates the rating and the text in plain words", async () => {
    for (const body of [
      { rating: 0, text: "x" },
      { rating: 6, text: "x" },
      { rating: 4.5, text: "x" },
      { rating: 5 },
      { rating: 5, text: "x".repeat(2001) },
    ]) {
      const { status, body: answer } = await review(server, parties.buyer, parties.dealId, body);
      expect(status).toBe(400);
      expect(JSON.stringify(answer)).not.toMatch(/Expected|Invalid input/);
    }
    expect(
      (await review(server, parties.buyer, parties.dealId, { rating: 5, text: "x".repeat(2000) })).status,
    ).toBe(201);
  });
});

describe("refunded deals", () => {
  it("are reviewed after a partial refund (the buyer kept the goods), not after a full one", async () => {
    const partial = await dealBetween(server, { complete: false });
    await takeTransition(server.url, partial.buyer, partial.dealId, "dispute", { reason: "A dent" });
    const resolved = await takeTransition(server.url, moderator, partial.dealId, "resolve", {
      outcome: "refund",
      amount: { amount: 1000, currency: "usd" },
    });
    expect(resolved.body.deal.state).toBe("refunded");
    expect((await dealReviews(server, partial.buyer, partial.dealId)).body.canReview).toBe(true);
    expect((await review(server, partial.buyer, partial.dealId, { rating: 3, text: "Dented" })).status).toBe(
      201,
    );

    const full = await dealBetween(server, { complete: false });
    expect(
      (await takeTransition(server.url, full.seller, full.dealId, "cancel-order", { reason: "Broken" }))
        .status,
    ).toBe(200);
    const refused = await review(server, full.buyer, full.dealId, { rating: 1, text: "Canceled" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { message: "This deal was refunded in full: there is nothing to review" },
    });
    expect((await dealReviews(server, full.buyer, full.dealId)).body).toEqual({
      reviews: [],
      windowEndsAt: null,
      canReview: false,
    });
  });
});

describe("blind reviews", () => {
  it("stay with their author until both parties reviewed, then publish together", async () => {
    const { seller, buyer, dealId } = await dealBetween(server);
    const first = await review(server, buyer, dealId, { rating: 4, text: "Quick and friendly" });
    expect(first.status).toBe(201);
    expect(first.body.review).toMatchObject({
      dealId,
      author: { id: buyer.user.id, username: buyer.user.username },
      subject: { id: seller.user.id, username: seller.user.username },
      role: "buyer",
      rating: 4,
      text: "Quick and friendly",
      publishedAt: null,
    });
    // The author sees it; the other party does not; moderators do; the public does not.
    const forBuyer = (await dealReviews(server, buyer, dealId)).body;
    expect(forBuyer.reviews.map((r) => r.id)).toEqual([first.body.review.id]);
    expect(forBuyer.canReview).toBe(false);
    const forSeller = (await dealReviews(server, seller, dealId)).body;
    expect(forSeller.reviews).toEqual([]);
    expect(forSeller.canReview).toBe(true);
    expect(Date.parse(forSeller.windowEndsAt ?? "") - Date.now()).toBeGreaterThan(13 * 24 * 3600 * 1000);
    expect((await dealReviews(server, moderator, dealId)).body.reviews).toHaveLength(1);
    expect((await aboutUser(server, seller.user.id)).body).toEqual({ reviews: [], nextCursor: null });
    expect(await ratingOf(server, seller.user.id)).toEqual({ average: 0, count: 0 });
    // The thread tells the seller a review waits for theirs, without what it says.
    expect(await reviewEvents(server, seller, dealId)).toEqual(["written:buyer"]);

    // A second review by the same party is a conflict.
    const again = await review(server, buyer, dealId, { rating: 1, text: "Changed my mind" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict" } });

    const second = await review(server, seller, dealId, { rating: 5, text: "Paid at once" });
    expect(second.status).toBe(201);
    expect(second.body.review.publishedAt).not.toBeNull();
    const both = (await dealReviews(server, buyer, dealId)).body.reviews;
    expect(both.map((r) => r.role)).toEqual(["buyer", "seller"]);
    expect(new Set(both.map((r) => r.publishedAt)).size).toBe(1);

    const aboutSeller = (await aboutUser(server, seller.user.id)).body.reviews;
    expect(aboutSeller.map((r) => [r.author.id, r.rating, r.text])).toEqual([
      [buyer.user.id, 4, "Quick and friendly"],
    ]);
    expect(await ratingOf(server, seller.user.id)).toEqual({ average: 4, count: 1 });
    expect(await ratingOf(server, buyer.user.id)).toEqual({ average: 5, count: 1 });
    expect(await reviewEvents(server, buyer, dealId)).toEqual([
      "written:buyer",
      "written:seller",
      "published",
    ]);
    // One `review.published` per review, written with the publication.
    expect((await publishedEntries(server, dealId)).map((row) => row.resource_id).sort()).toEqual(
      both.map((r) => r.id).sort(),
    );
  });

  it("sent by both parties at once, publish both, once each", async () => {
    const { seller, buyer, dealId } = await dealBetween(server);
    const [a, b] = await Promise.all([
      review(server, buyer, dealId, { rating: 3, text: "Fine" }),
      review(server, seller, dealId, { rating: 4, text: "Fine too" }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const both = (await dealReviews(server, moderator, dealId)).body.reviews;
    expect(both.every((r) => r.publishedAt !== null)).toBe(true);
    expect(await publishedEntries(server, dealId)).toHaveLength(2);
  });

  it("publish when the window ends, once across processes, and no review is taken after", async () => {
    const { seller, buyer, dealId } = await dealBetween(shortWindow);
    const only = await review(shortWindow, buyer, dealId, { rating: 2, text: "Slow to ship" });
    expect(only.body.review.publishedAt).toBeNull();
    expect((await aboutUser(shortWindow, seller.user.id)).body.reviews).toEqual([]);
    await eventually(async () => {
      const { reviews } = (await aboutUser(shortWindow, seller.user.id)).body;
      expect(reviews.map((r) => r.id)).toEqual([only.body.review.id]);
      expect(reviews[0]?.publishedAt).not.toBeNull();
    }, 15_000);
    const late = await review(shortWindow, seller, dealId, { rating: 5, text: "Too late" });
    expect(late.status).toBe(409);
    expect((await dealReviews(shortWindow, seller, dealId)).body).toMatchObject({ canReview: false });
    expect(await ratingOf(shortWindow, seller.user.id)).toEqual({ average: 2, count: 1 });
    expect(await publishedEntries(shortWindow, dealId)).toHaveLength(1);
    expect(await reviewEvents(shortWindow, buyer, dealId)).toEqual(["written:buyer", "published"]);
  });
});

describe("a user's reviews", () => {
  it("average over published reviews and page newest first", async () => {
    const seller = await signUp(server.url, "seller");
    const ratings = [5, 4, 4];
    for (const rating of ratings) {
      const buyer = await signUp(server.url, "buyer");
      const item = await listItem(server.url, seller);
      const deal = await buyAndPay(server.url, buyer, item.id);
      await completeDeal(server.url, buyer, deal.id);
      await review(server, buyer, deal.id, { rating, text: `Rated ${rating}` });
      await review(server, seller, deal.id, { rating: 5, text: "Good buyer" });
    }
    expect(await ratingOf(server, seller.user.id)).toEqual({ average: 4.33, count: 3 });
    const first = (await aboutUser(server, seller.user.id, "?limit=2")).body;
    expect(first.reviews.map((r) => r.text)).toEqual(["Rated 4", "Rated 4"]);
    expect(first.nextCursor).not.toBeNull();
    const rest = (
      await aboutUser(server, seller.user.id, `?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`)
    ).body;
    expect(rest.reviews.map((r) => r.text)).toEqual(["Rated 5"]);
    expect(rest.nextCursor).toBeNull();
    expect((await aboutUser(server, seller.user.id, "?cursor=nonsense")).status).toBe(400);
    expect((await aboutUser(server, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });
});
