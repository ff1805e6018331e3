import { type FormEvent, useCallback, useEffect, useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import { LIMITS } from "../../../shared/limits.js";
import type { DealReviews, Review } from "../../../shared/reviews.js";
import type { User } from "../../../shared/users.js";
import { ApiRequestError, api } from "../api/http.js";
import { dateTime } from "../state/time.js";
import { StarPicker, Stars } from "./stars.js";

/** One review as the deal page shows it: who about whom, the stars, the words, and whether it is out yet. */
function ReviewCard({ review, me }: { review: Review; me: User }) {
  const mine = review.author.id === me.id;
  return (
    <li className="review" data-review-id={review.id}>
      <p className="review-head">
        <Stars rating={review.rating} />
        <strong>{mine ? "Your review" : `@${review.author.username}`}</strong>
        <span className="muted small">
          {review.role === "buyer" ? "as the buyer" : "as the seller"}
          {review.publishedAt ? ` · ${dateTime(review.publishedAt)}` : " · hidden for now"}
        </span>
      </p>
      {review.text && <p className="review-text">{review.text}</p>}
    </li>
  );
}

/**
 * Reviews on a completed deal's page: the form while the reader may review (blind: it stays hidden
 * until the other party reviews or the window closes), then the reviews the reader may see.
 */
export function DealReviewsPanel({
  deal,
  me,
  reviewedAt,
}: {
  deal: Deal;
  me: User;
  /** The seq of the thread's latest `custom:review` event: the reviews are read again when it moves. */
  reviewedAt: number;
}) {
  const [state, setState] = useState<DealReviews | null>(null);
  const [rating, setRating] = useState(0);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A refunded deal has reviews only after a partial refund (the server says so with a window).
  const completed = deal.state === "completed" || deal.state === "refunded";

  const load = useCallback(() => {
    api.dealReviews(deal.id).then(setState, () => setError("Could not load the reviews. Try again later."));
  }, [deal.id]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new review event in the thread means reviews to read again
  useEffect(() => {
    if (completed) load();
  }, [completed, load, reviewedAt]);

  if (!completed || !state) return error ? <p className="form-error">{error}</p> : null;
  if (!state.windowEndsAt && state.reviews.length === 0) return null;
  const buyer = deal.buyer.id === me.id;
  const other = buyer ? deal.seller : deal.buyer;
  const mine = state.reviews.find((review) => review.author.id === me.id);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (rating === 0) {
      setError("Choose a rating from 1 to 5 stars.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.createReview(deal.id, { rating, text });
      load();
    } catch (caught) {
      setError(caught instanceof ApiRequestError ? caught.message : "Could not send your review. Try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="deal-reviews" aria-labelledby="deal-reviews-title">
      <h2 id="deal-reviews-title" className="deal-reviews-title">
        Reviews
      </h2>
      {state.canReview && (
        <form className="review-form" onSubmit={(event) => void submit(event)} noValidate>
          <p className="muted small">
            How did it go with {other.displayName}? Your review stays hidden until {other.displayName} reviews
            too{state.windowEndsAt ? `, or until ${dateTime(state.windowEndsAt)}` : ""}; then both are shown
            at once.
          </p>
          <StarPicker
            value={rating}
            onChange={(stars) => {
              setRating(stars);
              setError(null);
            }}
            disabled={busy}
          />
          <div className="field">
            <label htmlFor="review-text">Your review</label>
            <textarea
              id="review-text"
              rows={3}
              maxLength={LIMITS.reviewTextMax}
              value={text}
              onChange={(event) => setText(event.target.value)}
              disabled={busy}
              placeholder={
                buyer ? "Was the item as described? Quick to ship?" : "Did they pay and collect smoothly?"
              }
            />
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? "Sending…" : "Send review"}
          </button>
        </form>
      )}
      {mine && !mine.publishedAt && (
        <p className="notice" role="status">
          Thanks! Your review is hidden until {other.displayName} reviews too
          {state.windowEndsAt ? ` or until ${dateTime(state.windowEndsAt)}` : ""}.
        </p>
      )}
      {state.reviews.length > 0 ? (
        <ul className="review-list">
          {state.reviews.map((review) => (
            <ReviewCard key={review.id} review={review} me={me} />
          ))}
        </ul>
      ) : (
        !state.canReview && <p className="muted">No reviews on this deal.</p>
      )}
    </section>
  );
}
