import { z } from "zod";
import { ZQueryInt } from "./items.js";
import { LIMITS } from "./limits.js";

const ZUserRef = z.object({ id: z.uuid(), username: z.string() });

/**
 * A review one party of a completed deal wrote about the other. Blind: `publishedAt` is null until
 * both parties reviewed or the review window ended; until then only its author and moderators see it.
 */
export const ZReview = z.object({
  id: z.uuid(),
  dealId: z.uuid(),
  author: ZUserRef,
  subject: ZUserRef,
  /** The author's part in the deal. */
  role: z.enum(["buyer", "seller"]),
  rating: z.int().min(1).max(5),
  text: z.string(),
  publishedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Review = z.infer<typeof ZReview>;

/** `POST /api/deals/:id/reviews` body. */
export const ZCreateReviewRequest = z.strictObject({
  rating: z
    .int({ error: "Choose a rating from 1 to 5 stars" })
    .min(1, "Choose a rating from 1 to 5 stars")
    .max(5, "Choose a rating from 1 to 5 stars"),
  text: z
    .string({ error: "Write a few words about the deal" })
    .trim()
    .max(LIMITS.reviewTextMax, `Keep the review under ${LIMITS.reviewTextMax} characters`),
});
export type CreateReviewRequest = z.infer<typeof ZCreateReviewRequest>;

export const ZReviewResponse = z.object({ review: ZReview });
export type ReviewResponse = z.infer<typeof ZReviewResponse>;

/** `GET /api/users/:id/reviews`: published reviews about the user, newest first. */
export const ZReviewPage = z.object({ reviews: z.array(ZReview), nextCursor: z.string().nullable() });
export type ReviewPage = z.infer<typeof ZReviewPage>;

export const ZReviewsQuery = z.object({
  limit: ZQueryInt(1, LIMITS.reviewsPageMax).default(LIMITS.reviewsPageDefault),
  cursor: z.string().max(200).optional(),
});
export type ReviewsQuery = z.infer<typeof ZReviewsQuery>;

/**
 * `GET /api/deals/:id/reviews` (an extension; parties and moderators): the deal's reviews the caller may
 * see (their own, published ones, all for moderators), and the review window.
 */
export const ZDealReviews = z.object({
  reviews: z.array(ZReview),
  /** When the window closes (null before the deal completed); both reviews publish then at the latest. */
  windowEndsAt: z.string().nullable(),
  /** The caller may review now: a party, the deal completed, the window open, not reviewed yet. */
  canReview: z.boolean(),
});
export type DealReviews = z.infer<typeof ZDealReviews>;
