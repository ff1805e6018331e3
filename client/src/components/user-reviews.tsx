import { useCallback, useEffect, useState } from "react";
import type { Review } from "../../../shared/reviews.js";
import { api } from "../api/http.js";
import { Link } from "../state/router.js";
import { dateTime } from "../state/time.js";
import { Stars } from "./stars.js";

/** Published reviews about a user, newest first, a page at a time. */
export function UserReviews({ userId, emptyText }: { userId: string; emptyText: string }) {
  const [reviews, setReviews] = useState<Review[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    (after?: string) => {
      setLoading(true);
      api.userReviews(userId, after).then(
        (page) => {
          setReviews((shown) => (after ? [...shown, ...page.reviews] : page.reviews));
          setCursor(page.nextCursor);
          setLoading(false);
        },
        () => {
          setError("Could not load the reviews.");
          setLoading(false);
        },
      );
    },
    [userId],
  );
  useEffect(() => load(), [load]);

  if (error) return <p className="form-error">{error}</p>;
  if (!loading && reviews.length === 0) return <p className="muted">{emptyText}</p>;
  return (
    <>
      <ul className="review-list" aria-label="Reviews">
        {reviews.map((review) => (
          <li key={review.id} className="review" data-review-id={review.id}>
            <p className="review-head">
              <Stars rating={review.rating} />
              <Link href={`/u/${review.author.username}`}>@{review.author.username}</Link>
              <span className="muted small">
                {review.role === "buyer" ? "bought" : "sold"} ·{" "}
                {review.publishedAt && dateTime(review.publishedAt)}
              </span>
            </p>
            {review.text && <p className="review-text">{review.text}</p>}
          </li>
        ))}
      </ul>
      {cursor && !loading && (
        <div className="center">
          <button type="button" className="button" onClick={() => load(cursor)}>
            More reviews
          </button>
        </div>
      )}
    </>
  );
}
