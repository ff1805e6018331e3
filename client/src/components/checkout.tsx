import { useEffect, useState } from "react";
import type { Item } from "../../../shared/items.js";
import type { User } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { checkoutError, PAID_STATES } from "../state/deal-words.js";
import { Link, navigate } from "../state/router.js";
import { hourMinute } from "../state/time.js";
import { useItemDeal } from "../state/use-item-deal.js";
import { CheckoutTerms, checkoutTerms, EMPTY_ADDRESS, type Terms, termsTotal } from "./checkout-terms.js";

/** When another buyer's hold on the item ends at the latest: it was reserved when it last changed. */
function useFreesUpAt(item: Item): string | null {
  const [holdSeconds, setHoldSeconds] = useState<number | null>(null);
  useEffect(() => {
    api.config().then(
      (config) => setHoldSeconds(config.checkoutHoldSeconds),
      () => {},
    );
  }, []);
  if (item.status !== "reserved" || holdSeconds === null) return null;
  return new Date(Date.parse(item.updatedAt) + holdSeconds * 1000).toISOString();
}

/**
 * The item page's buying box: Buy now (anyone but the seller and moderators) opens a deal and goes to
 * its page, where paying happens; or why not now; or the reader's own deal on the item.
 */
export function Checkout({ item, user }: { item: Item; user: User }) {
  const deal = useItemDeal(item, user);
  const freesUpAt = useFreesUpAt(item);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [terms, setTerms] = useState<Terms>({ quantity: 1, optionId: "", address: EMPTY_ADDRESS });
  const isSeller = item.seller.id === user.id;

  const buy = async () => {
    const chosen = checkoutTerms(terms);
    if ("error" in chosen) return setError(chosen.error);
    setBusy(true);
    setError(null);
    try {
      const { deal: opened } = await api.checkout(item.id, item.price, chosen.request);
      navigate(`/deals/${opened.id}`);
    } catch (e) {
      setError(checkoutError(e));
      setBusy(false);
    }
  };

  if (deal && PAID_STATES.has(deal.state)) {
    return (
      <div className="checkout sold-panel" role="status">
        <strong>{isSeller ? "Sold" : "It's yours!"}</strong>
        <span>
          {isSeller
            ? `Sold to ${deal.buyer.displayName}.${deal.state === "paid" ? " Next step: send it, or agree a pickup." : ""}`
            : `You bought it from ${deal.seller.displayName}.`}
        </span>
        <Link href={`/deals/${deal.id}`} className="button wide">
          {isSeller ? "Open the sale" : "Open your purchase"}
        </Link>
      </div>
    );
  }
  if (deal?.state === "reserved") {
    const until = deal.nextDeadline ? ` until ${hourMinute(deal.nextDeadline)}` : "";
    return (
      <div className="checkout reserved-panel" role="status">
        <strong>
          {isSeller ? `Reserved by ${deal.buyer.displayName}${until}` : `Reserved for you${until}`}
        </strong>
        <span>
          {isSeller
            ? "They are paying. If they don't finish in time, it is available again."
            : "Nobody else can buy it while you pay."}
        </span>
        <Link href={`/deals/${deal.id}`} className={`button wide${isSeller ? "" : " primary big"}`}>
          {isSeller ? "Open the deal" : "Continue to payment"}
        </Link>
      </div>
    );
  }
  if (item.status === "sold") {
    // Whose it is decides what to say: wait for the reader's deal rather than say the wrong thing first.
    if (deal === undefined && user.role !== "moderator") return null;
    return (
      <div className="checkout sold-panel" role="status">
        <strong>Sold</strong>
        <span>This item has found a new home.</span>
      </div>
    );
  }
  if (isSeller || user.role === "moderator") return null;

  const reserved = item.status === "reserved";
  return (
    <div className="checkout">
      {!reserved && deal?.state === "expired" && (
        <p className="notice" role="status">
          Your reservation ended: it was not paid in time. Nothing was charged; you can buy it again.
        </p>
      )}
      {reserved && (
        <p className="notice" role="status">
          {freesUpAt ? `Reserved, may free up at ${hourMinute(freesUpAt)}` : "Reserved"}: another buyer is
          paying. If they don't finish, you can buy it then.
        </p>
      )}
      {item.status === "available" && (
        <CheckoutTerms
          item={item}
          terms={terms}
          onChange={(next) => {
            setTerms(next);
            setError(null);
          }}
        />
      )}
      <button
        type="button"
        className="button primary wide big"
        disabled={busy || item.status !== "available"}
        onClick={() => void buy()}
      >
        {terms.quantity > 1 || terms.optionId ? `Buy now · ${termsTotal(item, terms)}` : "Buy now"}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
