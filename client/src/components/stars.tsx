import { useEffect, useId, useState } from "react";
import { api } from "../api/http.js";

const STARS = [1, 2, 3, 4, 5] as const;

/** A rating shown as five stars, with the number for screen readers. */
export function Stars({ rating, label }: { rating: number; label?: string }) {
  const rounded = Math.round(rating);
  return (
    <span className="stars" role="img" aria-label={label ?? `${rating} out of 5 stars`}>
      {STARS.map((n) => (
        <span key={n} className={n <= rounded ? "star on" : "star"} aria-hidden="true">
          ★
        </span>
      ))}
    </span>
  );
}

/** "★ 4.3 (12 reviews)", or "No ratings yet". */
export function ratingLine(rating: { average: number; count: number }): string {
  if (rating.count === 0) return "No ratings yet";
  return `★ ${rating.average.toFixed(1)} (${rating.count} ${rating.count === 1 ? "review" : "reviews"})`;
}

/** Choosing 1–5 stars: a radio group, so keyboards and screen readers get it for free. */
export function StarPicker({
  value,
  onChange,
  disabled,
}: {
  value: number;
  onChange(rating: number): void;
  disabled?: boolean;
}) {
  const name = useId();
  return (
    <fieldset className="star-picker" disabled={disabled}>
      <legend>Your rating</legend>
      {STARS.map((n) => (
        <label key={n} className={n <= value ? "star-option on" : "star-option"}>
          <input
            type="radio"
            name={name}
            value={n}
            checked={value === n}
            onChange={() => onChange(n)}
            aria-label={`${n} ${n === 1 ? "star" : "stars"}`}
          />
          <span aria-hidden="true">★</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The seller's average next to their name (item pages); nothing until they have a published review. */
export function SellerRating({ sellerId }: { sellerId: string }) {
  const [rating, setRating] = useState<{ average: number; count: number } | null>(null);
  useEffect(() => {
    api.profile(sellerId).then(
      ({ user }) => setRating(user.rating),
      () => setRating(null),
    );
  }, [sellerId]);
  if (!rating || rating.count === 0) return null;
  return <span className="seller-rating muted small">{ratingLine(rating)}</span>;
}
