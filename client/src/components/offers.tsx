import { useCallback, useEffect, useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney, type Money, parseMoneyInput } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { ApiRequestError, api } from "../api/http.js";
import { useRealtime } from "../state/realtime.js";
import { CheckoutTerms, checkoutTerms, EMPTY_ADDRESS, type Terms, termsTotal } from "./checkout-terms.js";
import { DealPayment } from "./deal-payment.js";

/** Every refusal an offer can meet, in words; anything else shows the server's own message. */
const ERRORS: Record<string, string> = {
  offer_too_low: "That is below the lowest offer the seller takes.",
  offer_limit: "You have made your 3 offers in this deal: accept or decline the seller's counter.",
  item_reserved:
    "Another buyer is paying for this item right now; offers stay open and can be accepted if they don't finish.",
  item_sold: "Sorry, this item has just been sold.",
  item_removed: "This item was removed.",
  invalid_transition: "This offer has changed meanwhile; look at it again.",
  payment_not_open: "The time to pay has ended.",
  forbidden: "You can't do that with this offer.",
};

const errorText = (error: unknown) =>
  error instanceof ApiRequestError
    ? error.code === "conflict" || error.code === "bad_request"
      ? error.message
      : (ERRORS[error.code] ?? error.message)
    : "Something went wrong. Try again.";

const STATES: Record<string, string> = {
  offered: "Waiting for the seller",
  countered: "Waiting for the buyer",
  accepted: "Accepted: waiting for payment",
  paid: "Paid",
  declined: "Declined",
  withdrawn: "Withdrawn",
  expired: "Expired",
  canceled: "Canceled",
};

const ACTIONS: Record<string, string> = {
  accept: "Accept",
  counter: "Counter",
  decline: "Decline",
  withdraw: "Withdraw",
};

function useSecondsLeft(until: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until ? Math.max(0, Math.floor((Date.parse(until) - now) / 1000)) : null;
}

function timeLeft(seconds: number): string {
  if (seconds >= 86_400)
    return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h left`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m left`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} left`;
}

/** An amount field with the item's currency beside it; parses "70", "70.50" and "70,50". */
function MoneyField({
  id,
  label,
  currency,
  value,
  onChange,
}: {
  id: string;
  label: string;
  currency: Money["currency"];
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <span className="money-input">
        <span className="money-currency">{currency.toUpperCase()}</span>
        <input id={id} inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} />
      </span>
    </label>
  );
}

/** Refetches when a deal of the viewer changes (the server sends `deal:changed` to both parties). */
function useDealChanges(onChange: () => void) {
  const { socket } = useRealtime();
  useEffect(() => {
    if (!socket) return;
    socket.on("deal:changed", onChange);
    return () => {
      socket.off("deal:changed", onChange);
    };
  }, [socket, onChange]);
}

/** The offer deal's states in which the offer card (not the generic deal status) shows it. */
export const OFFER_OPEN: ReadonlySet<string> = new Set(["offered", "countered", "accepted"]);

/** One offer deal as a card: the number on the table, whose turn, time and offers left, the actions. */
export function OfferCard({
  deal,
  viewer,
  onChange,
}: {
  deal: Deal;
  viewer: User;
  onChange: (deal: Deal) => void;
}) {
  const [countering, setCountering] = useState(false);
  const [amount, setAmount] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seconds = useSecondsLeft(deal.nextDeadline);
  const mine = viewer.id === deal.buyer.id ? "buyer" : "seller";
  const currency = deal.unitPrice.currency;
  const offer = deal.offer;

  const take = async (name: string, params: Record<string, unknown> = {}) => {
    setBusy(true);
    setError(null);
    try {
      onChange((await api.transition(deal.id, name, params)).deal);
      setCountering(false);
      setAmount("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const counter = () => {
    const typed = parseMoneyInput(amount, currency);
    if (typed.error !== undefined) {
      setError(typed.error);
      return;
    }
    void take("counter", { amount: { amount: typed.amount, currency } });
  };

  const who = (by: "buyer" | "seller") =>
    by === mine ? "You" : by === "buyer" ? deal.buyer.displayName : "The seller";
  return (
    <article
      className={`offer-card offer-${deal.state}`}
      data-deal-id={deal.id}
      aria-label={`Offer by ${deal.buyer.displayName}`}
    >
      <header className="offer-head">
        <strong className="offer-amount">
          {offer ? formatMoney(offer.amount) : formatMoney(deal.total)}
        </strong>
        <span className="offer-state">{STATES[deal.state] ?? deal.state}</span>
      </header>
      {offer && (
        <p className="muted">
          {who(offer.by)} {offer.round === 1 ? "offered" : "countered"}.{" "}
          {offer.offersLeft !== undefined &&
            `${offer.offersLeft} buyer offer${offer.offersLeft === 1 ? "" : "s"} left.`}
        </p>
      )}
      {seconds !== null && (deal.state === "offered" || deal.state === "countered") && (
        <p className="muted" role="timer">
          {timeLeft(seconds)}
        </p>
      )}
      {countering ? (
        <div className="offer-counter">
          <MoneyField
            id={`counter-${deal.id}`}
            label="Your counter"
            currency={currency}
            value={amount}
            onChange={setAmount}
          />
          <button type="button" className="button primary small" disabled={busy} onClick={counter}>
            Send counter
          </button>
          <button type="button" className="link-button" onClick={() => setCountering(false)}>
            Back
          </button>
        </div>
      ) : (
        <div className="offer-actions">
          {deal.transitions
            .filter((name) => ACTIONS[name])
            .map((name) => (
              <button
                key={name}
                type="button"
                className={`button small${name === "accept" ? " primary" : ""}`}
                disabled={busy}
                onClick={() => (name === "counter" ? setCountering(true) : void take(name))}
              >
                {ACTIONS[name]}
              </button>
            ))}
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {deal.state === "accepted" && mine === "buyer" && deal.payment && (
        <DealPayment deal={deal} payment={deal.payment} onChanged={onChange} />
      )}
      {deal.state === "accepted" && mine === "seller" && (
        <p className="muted">Accepted: the buyer is paying.</p>
      )}
    </article>
  );
}

/** The buyer's side: "Make an offer" (amount and a note), then their offer deal on this item as a card. */
function BuyerOffers({ item, user }: { item: Item; user: User }) {
  const [deal, setDeal] = useState<Deal | null>(null);
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState("");
  const [message, setMessage] = useState("");
  const [terms, setTerms] = useState<Terms>({ quantity: 1, optionId: "", address: EMPTY_ADDRESS });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    api.deals("buyer", undefined, 100).then(
      ({ deals }) => setDeal(deals.find((d) => d.itemId === item.id && d.process === "offer") ?? null),
      () => {},
    );
  }, [item.id]);
  useEffect(refresh, [refresh]);
  useDealChanges(refresh);

  const typedAmount = parseMoneyInput(amount, item.price.currency).amount;
  const submit = async () => {
    const typed = parseMoneyInput(amount, item.price.currency);
    if (typed.error !== undefined) {
      setError(typed.error);
      return;
    }
    const chosen = checkoutTerms(terms);
    if ("error" in chosen) {
      setError(chosen.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { deal: made } = await api.makeOffer(item.id, {
        amount: { amount: typed.amount, currency: item.price.currency },
        ...chosen.request,
        ...(message.trim() ? { message: message.trim() } : {}),
      });
      setDeal(made);
      setOpen(false);
      setAmount("");
      setMessage("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const live = deal && ["offered", "countered", "accepted", "paid"].includes(deal.state);
  const canOffer = item.offers.enabled && (item.status === "available" || item.status === "reserved");
  return (
    <div className="offers">
      {deal && (live || item.status === "sold") && <OfferCard deal={deal} viewer={user} onChange={setDeal} />}
      {deal && !live && item.status !== "sold" && (
        <p className="muted" role="status">
          Your last offer was {STATES[deal.state]?.toLowerCase() ?? deal.state}.
        </p>
      )}
      {!live && canOffer && !open && (
        <button type="button" className="button wide" onClick={() => setOpen(true)}>
          Make an offer
        </button>
      )}
      {!live && canOffer && open && (
        <form
          className="offer-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <MoneyField
            id="offer-amount"
            label={item.quantityAvailable > 1 ? "Your offer, per unit" : "Your offer"}
            currency={item.price.currency}
            value={amount}
            onChange={setAmount}
          />
          <CheckoutTerms item={item} terms={terms} onChange={setTerms} />
          {(terms.quantity > 1 || terms.optionId) && typedAmount !== undefined && (
            <p className="terms-total">
              Total {termsTotal(item, terms, typedAmount)}
              {terms.optionId ? " with shipping" : ""}, if the seller accepts
            </p>
          )}
          <label className="field" htmlFor="offer-message">
            <span>Message to the seller (optional)</span>
            <textarea
              id="offer-message"
              maxLength={2000}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          </label>
          <p className="muted">Only you and the seller see your offer.</p>
          <button type="submit" className="button primary" disabled={busy}>
            Send offer
          </button>
          <button type="button" className="link-button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The seller's side: every open offer on the item, side by side, the best first. */
function SellerOffers({ item, user }: { item: Item; user: User }) {
  const [deals, setDeals] = useState<Deal[]>([]);
  const refresh = useCallback(() => {
    api.itemOffers(item.id).then(
      ({ deals: open }) => setDeals(open),
      () => {},
    );
  }, [item.id]);
  // `openOffers` moves live with items:changed; a deal:changed covers counters too.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the count or status moves
  useEffect(refresh, [refresh, item.openOffers, item.status]);
  useDealChanges(refresh);
  if (deals.length === 0) return null;
  return (
    <section className="offers seller-offers" aria-labelledby="offers-title">
      <h2 id="offers-title">Offers ({deals.length})</h2>
      {item.status === "reserved" && (
        <p className="notice">
          A buyer is paying now: these offers stay open but can't be accepted meanwhile.
        </p>
      )}
      <div className="offer-grid">
        {deals.map((deal) => (
          <OfferCard key={deal.id} deal={deal} viewer={user} onChange={refresh} />
        ))}
      </div>
    </section>
  );
}

/** Offers on the item page: the seller sees the open offers, anyone else who may buy can make one. */
export function Offers({ item, user }: { item: Item; user: User }) {
  if (user.role === "moderator") return null;
  if (item.seller.id === user.id) return <SellerOffers item={item} user={user} />;
  return <BuyerOffers item={item} user={user} />;
}
