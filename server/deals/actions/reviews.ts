import { randomUUID } from "node:crypto";
import type { Action } from "../process.js";
import { scheduleTimer } from "../timers.js";

/**
 * The deal timer that ends the review window (server/reviews/service.ts publishes what is still blind).
 * Its `fire_at` is the window's end: the one place that says until when the parties may review.
 */
export const REVIEW_WINDOW_TIMER = "reviews.window-end";

/** The deal completed: its parties may review it for REVIEW_WINDOW_SECONDS, then the reviews publish. */
export const openReviewWindow: Action = async ({ write, deal, durations }) => {
  await scheduleTimer(write.tx, {
    id: randomUUID(),
    dealId: deal.id,
    transition: REVIEW_WINDOW_TIMER,
    seconds: durations.reviewWindowSeconds,
  });
};
