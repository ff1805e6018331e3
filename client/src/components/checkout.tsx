import { lazy, Suspense, useEffect, useState } from "react";
import type { Item } from "../../../shared/items.js";
import { formatMoney } from "../../../shared/money.js";
import type { Card, Payment, PublicConfig } from "../../../shared/payments.js";
import type { User } from "../../../shared/users.js";
import { ApiRequestError, api } from "../api/http.js";
import { CardForm } from "./card-form.js";

const StripePayment = lazy(() => import("./stripe-payment.js"));

const FAILURES: Record<string, string> = {
  card_declined: "Your card was declined. Try another card.",
  insufficient_funds: "Your card has insufficient funds. Try another card.",
  expired_card: "Your card has expired. Try another card.",
};

const ERRORS: Record<string, string> = {
  item_reserved:
    "Someone else is paying for this right now. If they don't finish, it becomes available again.",
  item_sold: "Sorry, this item has just been sold.",
  item_removed: "This item was removed.",
  payment_not_open: "This reservation has ended. Press Buy now to start again.",
  price_changed: "The seller has just changed the price. Check it, then press Buy now again.",
  seller_suspended: "This seller's account is suspended; the item cannot be bought for now.",
  forbidden: "Only buyers can buy items, and never their own.",
};

const errorText = (error: unknown) =>
  error instanceof ApiRequestError
    ? (ERRORS[error.code] ?? error.message)
    : "Something went wrong. Try again.";

function useCountdown(until: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until ? Math.max(0, Math.floor((Date.parse(until) - now) / 1000)) : 0;
}

const mmss = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

/** Buy now → a reservation with its countdown → the card form (or Stripe's Payment Element) → sold. */
export function Checkout({ item, user }: { item: Item; user: User }) {
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [payment, setPayment] = useState<Payment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);
  const counting = payment?.status === "requires_payment" || payment?.status === "failed";
  // Never more than the hold itself, whatever the two clocks say.
  const left = Math.min(
    useCountdown(counting ? payment.expiresAt : null),
    config?.checkoutHoldSeconds ?? Number.POSITIVE_INFINITY,
  );

  useEffect(() => {
    api.config().then(setConfig, () => setConfig(null));
  }, []);

  const buyer = user.role === "buyer" && item.seller.id !== user.id;
  const mine = payment?.status === "succeeded" || (item.status === "sold" && payment !== null);
  const open = payment !== null && !mine && item.status !== "sold" && payment.status !== "canceled";

  const buy = async () => {
    setBusy(true);
    setError(null);
    try {
      setPayment((await api.checkout(item.id, item.price)).payment);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const pay = async (card: Card) => {
    if (!payment) return;
    setBusy(true);
    setError(null);
    try {
      let current = payment;
      // A declined payment stays open for another card; a closed one needs a new checkout.
      if (current.status === "canceled" || current.status === "succeeded" || current.status === "refunded") {
        current = (await api.checkout(item.id, item.price)).payment;
      }
      const { payment: result } = await api.confirmPayment(current.id, card);
      setPayment(result);
      if (result.status === "failed") {
        setError(FAILURES[result.failureCode ?? ""] ?? "The payment did not go through. Try another card.");
      }
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === "card_declined") setError(FAILURES.card_declined!);
      else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!payment) return;
    setBusy(true);
    try {
      await api.cancelPayment(payment.id);
    } catch {
      // The hold ends by itself when it expires.
    }
    setPayment(null);
    setError(null);
    setBusy(false);
  };

  if (item.status === "sold") {
    return (
      <div className="checkout sold-panel" role="status">
        <strong>Sold</strong>
        <span>
          {mine ? "It's yours! The seller will be in touch in the chat." : "This item has found a new home."}
        </span>
      </div>
    );
  }
  if (!buyer) return null;

  if (!open) {
    return (
      <div className="checkout">
        {item.status === "reserved" && (
          <p className="notice">
            Reserved: a buyer is paying. If it's you (say, after a reload), press Buy now to carry on;
            otherwise it becomes available again if they don't finish.
          </p>
        )}
        <button
          type="button"
          className="button primary wide big"
          disabled={busy || (item.status !== "available" && item.status !== "reserved")}
          onClick={() => void buy()}
        >
          Buy now
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  }

  return (
    <section className="checkout payment-panel" aria-labelledby="pay-title">
      <div className="payment-head">
        <h2 id="pay-title">Reserved for you</h2>
        <span className="countdown" role="timer" aria-label={`${mmss(left)} left to pay`}>
          {left > 0 ? `${mmss(left)} left` : "Time is up"}
        </span>
      </div>
      <p className="muted">
        Nobody else can buy it while you pay. Total <strong>{formatMoney(payment.amount)}</strong>
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {payment.provider === "stripe" && config?.stripePublishableKey && payment.clientSecret ? (
        waiting ? (
          <p role="status">Confirming your payment…</p>
        ) : (
          <Suspense fallback={<p>Loading the secure card form…</p>}>
            <StripePayment
              publishableKey={config.stripePublishableKey}
              clientSecret={payment.clientSecret}
              onSubmitted={() => setWaiting(true)}
              onError={setError}
            />
          </Suspense>
        )
      ) : (
        <CardForm busy={busy} onPay={(card) => void pay(card)} />
      )}
      <button type="button" className="link-button" disabled={busy} onClick={() => void cancel()}>
        Cancel and release the item
      </button>
    </section>
  );
}
