import { useCallback, useMemo, useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import { bodyOf, type DealEvent } from "../../../shared/events.js";
import { formatMoney } from "../../../shared/money.js";
import { OPEN_PAYMENT_STATUSES } from "../../../shared/payments.js";
import type { User } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { Avatar } from "../components/avatar.js";
import { Composer } from "../components/composer.js";
import { DealActions } from "../components/deal-actions.js";
import { FulfilmentStatus } from "../components/deal-fulfilment.js";
import { DealPayment } from "../components/deal-payment.js";
import { DealReviewsPanel } from "../components/deal-reviews.js";
import { DealStepper } from "../components/deal-stepper.js";
import { ItemImage } from "../components/item-image.js";
import { OFFER_OPEN, OfferCard } from "../components/offers.js";
import { useReasonDialog } from "../components/reason-dialog.js";
import { Timeline } from "../components/timeline.js";
import { checkoutError, PAID_STATES } from "../state/deal-words.js";
import { Link, navigate } from "../state/router.js";
import { hourMinute } from "../state/time.js";
import { useDeal } from "../state/use-deal.js";

const ENDED_BEFORE_PAYING = new Set(["expired", "canceled"]);

/** "Buy again" after a reservation ended: a new checkout, and its deal page. */
function BuyAgain({ deal }: { deal: Deal }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const buy = async () => {
    setBusy(true);
    setError(null);
    try {
      // The same terms again; an address the page cannot show is asked for on the item's page.
      if (deal.shipping && !deal.shippingAddress) {
        navigate(`/items/${deal.itemId}`);
        return;
      }
      const { deal: fresh } = await api.checkout(deal.itemId, {
        ...(deal.quantity > 1 ? { quantity: deal.quantity } : {}),
        ...(deal.shipping && deal.shippingAddress
          ? { shippingOptionId: deal.shipping.optionId, shippingAddress: deal.shippingAddress }
          : {}),
      });
      navigate(`/deals/${fresh.id}`);
    } catch (failure) {
      setError(checkoutError(failure));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="button primary wide big" disabled={busy} onClick={() => void buy()}>
        Buy again
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** Where the deal is, said for this reader, with what they can do about it. */
function DealStatus({
  deal,
  me,
  events,
  onChanged,
}: {
  deal: Deal;
  me: User;
  events: readonly DealEvent[];
  onChanged(deal: Deal): void;
}) {
  const buyer = deal.buyer.id === me.id;
  const seller = deal.seller.id === me.id;
  const payment = deal.payment;
  const open = payment !== null && OPEN_PAYMENT_STATUSES.some((status) => status === payment.status);

  // An auction's `won` deal is paid like a reservation.
  if ((deal.state === "reserved" || deal.state === "won") && buyer && payment && open) {
    return <DealPayment deal={deal} payment={payment} onChanged={onChanged} />;
  }
  if (deal.state === "reserved") {
    const until = deal.nextDeadline ?? payment?.expiresAt;
    return (
      <p className="notice" role="status">
        {seller ? `Reserved by ${deal.buyer.displayName}` : "Reserved"}
        {until ? ` until ${hourMinute(until)}` : ""}: the buyer is paying. If they don't finish, the item is
        available again.
      </p>
    );
  }
  if (ENDED_BEFORE_PAYING.has(deal.state)) {
    const why =
      deal.state === "expired"
        ? "The reservation ended: it was not paid in time."
        : buyer
          ? "You canceled this reservation."
          : "The buyer canceled this reservation.";
    return (
      <div className="ended-panel" role="status">
        <strong>Reservation ended</strong>
        <span>
          {why} {buyer ? "Nothing was charged." : "The item is available again."}
        </span>
        {buyer && <BuyAgain deal={deal} />}
      </div>
    );
  }
  return <FulfilmentStatus deal={deal} side={buyer ? "buyer" : seller ? "seller" : null} events={events} />;
}

/** One deal: its progress, what the reader may do now, paying, and the buyer and seller's private thread. */
export function DealPage({ dealId, user }: { dealId: string; user: User }) {
  const thread = useDeal(dealId);
  const { ask, dialog } = useReasonDialog();
  const { deal, setDeal } = thread;
  const visited = useMemo(
    () =>
      new Set(
        thread.events.flatMap((event) => {
          const body = bodyOf(event, "custom:deal");
          return body ? [body.to] : [];
        }),
      ),
    [thread.events],
  );
  const noTyping = useCallback(() => {}, []);

  if (!deal) {
    return (
      <main className="page">
        <p className={thread.error ? "form-error" : "muted"} role={thread.error ? "alert" : "status"}>
          {thread.error ?? "Opening the deal…"}
        </p>
        <Link href="/purchases">Your purchases</Link>
      </main>
    );
  }

  const buyer = deal.buyer.id === user.id;
  const party = buyer || deal.seller.id === user.id;
  const other = buyer ? deal.seller : deal.buyer;

  return (
    <main className="page deal-page">
      <Link href={`/items/${deal.itemId}`} className="back-link">
        ← {deal.item.title}
      </Link>
      <div className="item-layout">
        <article className="card deal-details" aria-labelledby="deal-title">
          <header className="deal-head">
            <ItemImage id={deal.item.id} title={deal.item.title} url={deal.item.imageUrl} />
            <div>
              <h1 id="deal-title">{deal.item.title}</h1>
              <p className="deal-parties">
                <Avatar id={other.id} name={other.displayName} size={24} />
                {party ? (
                  <span>
                    {PAID_STATES.has(deal.state)
                      ? buyer
                        ? "Bought from"
                        : "Sold to"
                      : buyer
                        ? "Sold by"
                        : "Buyer:"}{" "}
                    <strong>{other.displayName}</strong>
                  </span>
                ) : (
                  <span>
                    <strong>{deal.buyer.displayName}</strong> buys from{" "}
                    <strong>{deal.seller.displayName}</strong>
                  </span>
                )}
              </p>
              <p className="deal-total">{formatMoney(deal.total)}</p>
            </div>
          </header>
          <DealStepper deal={deal} visited={visited} />
          {deal.process === "offer" && OFFER_OPEN.has(deal.state) ? (
            <OfferCard deal={deal} viewer={user} onChange={setDeal} />
          ) : (
            <>
              <DealStatus deal={deal} me={user} events={thread.events} onChanged={setDeal} />
              <DealActions deal={deal} onChanged={setDeal} ask={ask} />
            </>
          )}
          <DealReviewsPanel
            deal={deal}
            me={user}
            reviewedAt={thread.events.findLast((event) => event.type === "custom:review")?.seq ?? 0}
          />
        </article>

        <section className="card chat" aria-labelledby="thread-title">
          <header className="chat-head">
            <h2 id="thread-title">Private conversation</h2>
            <span className="muted small">
              {party
                ? `Only you, ${other.displayName} and moderators`
                : "The buyer, the seller and moderators"}
            </span>
          </header>
          <Timeline
            events={thread.events}
            pending={thread.pending}
            me={user}
            parties={deal}
            onRetry={thread.retry}
          />
          {party || deal.state === "disputed" ? (
            <Composer onSend={thread.send} onTyping={noTyping} />
          ) : (
            <p className="muted small composer-note">
              Moderators write here only while the deal is disputed.
            </p>
          )}
        </section>
      </div>
      {dialog}
    </main>
  );
}
