import { useEffect, useState } from "react";
import type { SellerListing } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import { ApiRequestError, api } from "../api/http.js";
import { ItemImage } from "../components/item-image.js";
import { StatusBadge } from "../components/status-badge.js";
import { Link } from "../state/router.js";
import { useToast } from "../state/toasts.js";

/** The seller's own items: status, how busy each room is, and edit, withdraw, relist. */
export function MyListingsPage() {
  const toast = useToast();
  const [listings, setListings] = useState<SellerListing[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    api.myListings().then(
      (response) => setListings(response.listings),
      () => setListings([]),
    );
  }, []);

  const act = async (listing: SellerListing, action: "withdraw" | "relist") => {
    setBusy(listing.item.id);
    try {
      const { item } = await (action === "withdraw" ? api.withdrawItem : api.relistItem)(listing.item.id);
      setListings(
        (current) => current?.map((row) => (row.item.id === item.id ? { ...row, item } : row)) ?? null,
      );
      toast.show(
        "success",
        action === "withdraw"
          ? `"${item.title}" is off the marketplace.`
          : `"${item.title}" is listed again.`,
      );
    } catch (caught) {
      toast.show(
        "error",
        caught instanceof ApiRequestError ? caught.message : "That did not work. Try again.",
      );
    } finally {
      setBusy(null);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>My listings</h1>
        <Link href="/sell" className="button primary">
          Sell an item
        </Link>
      </div>
      {listings && listings.length === 0 && <p className="muted">You have not listed anything yet.</p>}
      <ul className="listings">
        {listings?.map((listing) => {
          const { item } = listing;
          const withdrawn = item.status === "removed" && item.withdrawnAt !== null;
          return (
            <li key={item.id} className="card listing-row">
              <div className="listing-media">
                <ItemImage id={item.id} title={item.title} url={item.imageUrl} />
              </div>
              <div className="listing-main">
                <Link href={`/items/${item.id}`}>
                  <strong>{item.title}</strong>
                </Link>
                <span>{formatMoney(item.price)}</span>
                <span className="listing-status">
                  {withdrawn ? (
                    <span className="badge badge-withdrawn">Withdrawn</span>
                  ) : (
                    <StatusBadge status={item.status} />
                  )}
                </span>
                <span className="muted">
                  {listing.people} {listing.people === 1 ? "person" : "people"} in the room ·{" "}
                  {listing.messages} {listing.messages === 1 ? "message" : "messages"}
                </span>
              </div>
              <div className="listing-actions">
                {item.status === "available" && (
                  <>
                    <Link href={`/items/${item.id}`} className="button small">
                      Edit
                    </Link>
                    <button
                      type="button"
                      className="button small danger-outline"
                      disabled={busy === item.id}
                      onClick={() => act(listing, "withdraw")}
                    >
                      Withdraw
                    </button>
                  </>
                )}
                {withdrawn && (
                  <button
                    type="button"
                    className="button small primary"
                    disabled={busy === item.id}
                    onClick={() => act(listing, "relist")}
                  >
                    Relist
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
