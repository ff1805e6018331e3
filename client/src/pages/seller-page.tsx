import { useEffect, useState } from "react";
import type { Profile } from "../../../shared/profiles.js";
import { ApiRequestError, api } from "../api/http.js";
import { Avatar } from "../components/avatar.js";
import { ItemCard } from "../components/item-card.js";
import { ratingLine } from "../components/stars.js";
import { UserReviews } from "../components/user-reviews.js";
import { Link } from "../state/router.js";
import { useItems } from "../state/use-items.js";

const memberSince = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { month: "long", year: "numeric" });

function SellerItems({ sellerId }: { sellerId: string }) {
  const { items, loading, hasMore, loadMore } = useItems({ sellerId });
  if (!loading && items.length === 0) return <p className="muted">Nothing listed right now.</p>;
  return (
    <>
      <ul className="grid" aria-label="Their items">
        {items.map((item) => (
          <ItemCard key={item.id} item={item} unread={0} />
        ))}
      </ul>
      {hasMore && !loading && (
        <div className="center">
          <button type="button" className="button" onClick={loadMore}>
            Show more
          </button>
        </div>
      )}
    </>
  );
}

/** A seller's storefront: who they are, their rating and sales, their items, and the reviews about them. */
export function SellerPage({ username }: { username: string }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.profile(username).then(
      ({ user }) => setProfile(user),
      (caught: unknown) =>
        setError(
          caught instanceof ApiRequestError && caught.status === 404
            ? "There is no one by that name on Parley."
            : "Could not load this page. Check your connection.",
        ),
    );
  }, [username]);

  useEffect(() => {
    if (!profile) return;
    const before = document.title;
    document.title = `${profile.displayName} · Parley`;
    return () => {
      document.title = before;
    };
  }, [profile]);

  if (!profile) {
    return (
      <main className="page">
        <p className={error ? "form-error" : "muted"} role={error ? "alert" : "status"}>
          {error ?? "Loading…"}
        </p>
        <Link href="/">Back to the marketplace</Link>
      </main>
    );
  }
  const place = [profile.location.city, profile.location.country].filter(Boolean).join(", ");
  return (
    <main className="page seller-page">
      <section className="card seller-head" aria-labelledby="seller-name">
        {profile.avatarUrl ? (
          <img className="seller-avatar" src={profile.avatarUrl} alt="" />
        ) : (
          <Avatar id={profile.id} name={profile.displayName} size={72} />
        )}
        <div>
          <h1 id="seller-name">{profile.displayName}</h1>
          <p className="muted">
            @{profile.username}
            {place && ` · ${place}`} · on Parley since {memberSince(profile.createdAt)}
          </p>
          <p className="seller-stats">
            <span data-testid="seller-rating">{ratingLine(profile.rating)}</span>
            <span>
              {profile.salesCount} {profile.salesCount === 1 ? "sale" : "sales"}
            </span>
          </p>
          {profile.bio && <p className="seller-bio">{profile.bio}</p>}
        </div>
      </section>
      <section aria-labelledby="seller-items">
        <h2 id="seller-items">Items</h2>
        <SellerItems sellerId={profile.id} />
      </section>
      <section className="card" aria-labelledby="seller-reviews">
        <h2 id="seller-reviews">Reviews</h2>
        <UserReviews
          userId={profile.id}
          emptyText="No reviews yet. Buyers and sellers review each other after a completed order."
        />
      </section>
    </main>
  );
}
