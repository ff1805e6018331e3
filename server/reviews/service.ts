import { AppError } from "../../shared/errors.js";
import type {
  CreateReviewRequest,
  DealReviews,
  Review,
  ReviewPage,
  ReviewsQuery,
} from "../../shared/reviews.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { REVIEW_WINDOW_TIMER } from "../deals/actions/reviews.js";
import type { DealEngine } from "../deals/engine.js";
import { dealPolicy } from "../deals/policy.js";
import { type DealRecord, getDeal } from "../deals/store.js";
import { cancelDealTimer, dealTimerAt } from "../deals/timers.js";
import { requireItem } from "../items/service.js";
import type { ItemWrite, Timeline } from "../timeline/timeline.js";
import { insertReview, listDealReviews, listPublishedReviews, publishDealReviews } from "./store.js";

export type ReviewService = ReturnType<typeof createReviewService>;

/**
 * States a deal may be reviewed in: `completed`, and `refunded` when the refund was partial (the buyer
 * kept the goods; only then does the deal have a review window, see deals/actions/reviews.ts).
 */
const REVIEWABLE = new Set(["completed", "refunded"]);

/**
 * Blind two-way reviews of completed deals. A review is written under the deal's lock (after the item's,
 * as the engine takes them), so the second review and the window's end never both publish: whichever
 * comes first publishes every review of the deal at one instant, with a `review.published` outbox entry
 * each; the other finds nothing left to publish.
 */
export function createReviewService(deps: { db: Db; timeline: Timeline; engine: DealEngine }) {
  const { db, timeline, engine } = deps;

  /** Publishes what is blind on the deal, announced in its thread and (per review) in the outbox. */
  async function publish(write: ItemWrite, dealId: string): Promise<void> {
    const published = await publishDealReviews(write.tx, dealId);
    if (published.length === 0) return;
    await write.appendToThread(dealId, {
      type: "custom:review",
      author: null,
      body: { action: "published" },
    });
    for (const review of published) {
      await write.announce({
        type: "review.published",
        resource: { type: "review", id: review.id },
        data: {
          dealId,
          authorId: review.author.id,
          subjectId: review.subject.id,
          role: review.role,
          rating: review.rating,
        },
      });
    }
  }

  // The window's end, claimed by one sweeper on one process: whatever is still blind is published.
  engine.onTimer(REVIEW_WINDOW_TIMER, async (write, deal) => {
    await publish(write, deal.id);
  });

  /** The deal if the user is a party or a moderator; 404 to everyone else (the deal is private). */
  async function requireVisible(user: User, dealId: string): Promise<DealRecord> {
    const deal = await getDeal(db, dealId);
    if (!deal || !dealPolicy.partyOf(user, deal)) throw new AppError("not_found", "No such deal");
    return deal;
  }

  /** What `user` may read of the deal's reviews: their own and published ones; moderators all. */
  const visibleTo = (user: User, reviews: Review[]) =>
    user.role === "moderator"
      ? reviews
      : reviews.filter((review) => review.publishedAt !== null || review.author.id === user.id);

  return {
    async create(user: User, dealId: string, request: CreateReviewRequest): Promise<Review> {
      const known = await requireVisible(user, dealId);
      const role = dealPolicy.partyOf(user, known);
      if (role !== "buyer" && role !== "seller") {
        throw new AppError("forbidden", "Only the buyer and the seller review a deal");
      }
      return timeline.write(known.itemId, async (write) => {
        await requireItem(write.tx, known.itemId, true);
        const deal = await getDeal(write.tx, dealId, { forUpdate: true });
        if (!deal) throw new AppError("not_found", "No such deal");
        if (!REVIEWABLE.has(deal.state)) {
          throw new AppError("conflict", "You can review this deal once it is completed");
        }
        const window = await dealTimerAt(write.tx, deal.id, REVIEW_WINDOW_TIMER);
        if (!window && deal.state === "refunded") {
          throw new AppError("conflict", "This deal was refunded in full: there is nothing to review");
        }
        // A deal completed before reviews existed has no window: its time is over too.
        if (!window?.ahead) throw new AppError("conflict", "The time to review this deal has ended");
        const existing = await listDealReviews(write.tx, deal.id);
        if (existing.some((review) => review.author.id === user.id)) {
          throw new AppError("conflict", "You have already reviewed this deal");
        }
        const id = await insertReview(write.tx, {
          dealId: deal.id,
          authorId: user.id,
          subjectId: role === "buyer" ? deal.seller.id : deal.buyer.id,
          role,
          rating: request.rating,
          text: request.text,
        });
        // The other party learns that a review waits for theirs; what it says stays blind.
        await write.appendToThread(deal.id, {
          type: "custom:review",
          author: null,
          body: { action: "written", role },
        });
        if (existing.length > 0) {
          // Both parties have spoken: publish both now; the window's timer has nothing left to do.
          await publish(write, deal.id);
          await cancelDealTimer(write.tx, deal.id, REVIEW_WINDOW_TIMER);
        }
        const review = (await listDealReviews(write.tx, deal.id)).find((r) => r.id === id);
        if (!review) throw new Error(`review ${id} vanished`);
        return review;
      });
    },

    /** The deal's reviews the caller may see, the window, and whether the caller may review now. */
    async forDeal(user: User, dealId: string): Promise<DealReviews> {
      const deal = await requireVisible(user, dealId);
      const [reviews, window] = await Promise.all([
        listDealReviews(db, deal.id),
        dealTimerAt(db, deal.id, REVIEW_WINDOW_TIMER),
      ]);
      const party = dealPolicy.partyOf(user, deal);
      return {
        reviews: visibleTo(user, reviews),
        windowEndsAt: window?.at ?? null,
        canReview:
          (party === "buyer" || party === "seller") &&
          REVIEWABLE.has(deal.state) &&
          window?.ahead === true &&
          !reviews.some((review) => review.author.id === user.id),
      };
    },

    /** Published reviews about the user (anyone may read them). */
    async aboutUser(userId: string, query: ReviewsQuery): Promise<ReviewPage> {
      const [at, id] = query.cursor?.split("|") ?? [];
      if (query.cursor && (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))) {
        throw new AppError("bad_request", "That page cursor is not from this list");
      }
      return listPublishedReviews(db, userId, {
        limit: query.limit,
        ...(at && id ? { cursor: { at, id } } : {}),
      });
    },
  };
}
