import { randomUUID } from "node:crypto";
import { getPayment } from "../../payments/store.js";
import type { Action, TransitionContext } from "../process.js";
import { scheduleTimer } from "../timers.js";

/**
 * The deal timer that ends the review window (server/reviews/service.ts publishes what is still blind).
 * Its `fire_at` is the window's end: the one place that says until when the parties may review.
 */
export const REVIEW_WINDOW_TIMER = "reviews.window-end";

/** The deal completed: its parties may review it for REVIEW_WINDOW_SECONDS, then the reviews publish. */
export const openReviewWindow: Action = (ctx) => scheduleWindow(ctx);

/**
 * The deal was refunded: if only in part (a moderator's partial `resolve`), the buyer kept the goods and
 * paid for them, so the parties review it as a completed deal. After a full refund nothing was sold.
 */
export const openReviewWindowIfKept: Action = async (ctx) => {
  const payment = ctx.deal.paymentId ? await getPayment(ctx.write.tx, ctx.deal.paymentId) : null;
  if (payment?.refunded && payment.refunded.amount < payment.amount.amount) await scheduleWindow(ctx);
};

async function scheduleWindow({ write, deal, durations }: TransitionContext): Promise<void> {
  await scheduleTimer(write.tx, {
    id: randomUUID(),
    dealId: deal.id,
    transition: REVIEW_WINDOW_TIMER,
    seconds: durations.reviewWindowSeconds,
  });
}
