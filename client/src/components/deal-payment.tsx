import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import { formatMoney } from "../../../shared/money.js";
import type { Card, Payment, PublicConfig } from "../../../shared/payments.js";
import { ApiRequestError, api } from "../api/http.js";
import { CARD_FAILURES, checkoutError } from "../state/deal-words.js";
import { hourMinute, mmss, useCountdown } from "../state/time.js";
import { CardForm } from "./card-form.js";

const StripePayment = lazy(() => import("./stripe-payment.js"));

/**
 * Paying a reserved deal, inside the deal page: the hold's countdown, then the card form (simulated
 * processor) or Stripe's Payment Element. The deal itself moves to `paid` on the server (`deal:changed`).
 */
export function DealPayment(props: { deal: Deal; payment: Payment; onChanged(deal: Deal): void }) {
  const { deal } = props;
  const [opened, setOpened] = useState<Payment | null>(null);
  const payment = opened?.id === props.payment.id && !props.payment.clientSecret ? opened : props.payment;
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(
    payment.status === "failed" ? (CARD_FAILURES[payment.failureCode ?? ""] ?? null) : null,
  );
  const [waiting, setWaiting] = useState(false);
  const until = deal.nextDeadline ?? payment.expiresAt;
  // Never more than the hold itself, whatever the two clocks say.
  const left = Math.min(useCountdown(until), config?.checkoutHoldSeconds ?? Number.POSITIVE_INFINITY);

  useEffect(() => {
    api.config().then(setConfig, () => setConfig(null));
  }, []);

  // A payment the server opened by itself (an accepted offer, a won auction) may reach this page before
  // its Stripe charge exists: asking for it opens the charge and brings the client secret.
  const needsSecret = payment.provider === "stripe" && !payment.clientSecret;
  const openCharge = useCallback(() => {
    setError(null);
    api.payment(payment.id).then(
      ({ payment: now }) => setOpened(now),
      (e: unknown) => setError(checkoutError(e)),
    );
  }, [payment.id]);
  useEffect(() => {
    if (needsSecret) openCharge();
  }, [needsSecret, openCharge]);

  // The server ends the hold within seconds of its time and says so with `deal:changed`; should that be
  // missed (a reconnect at that moment), ask until the deal has moved.
  const { onChanged } = props;
  const timeUp = left === 0;
  useEffect(() => {
    if (!timeUp) return;
    const timer = setInterval(() => {
      api.deal(deal.id).then(
        ({ deal: now }) => onChanged(now),
        () => {},
      );
    }, 3_000);
    return () => clearInterval(timer);
  }, [timeUp, deal.id, onChanged]);

  const pay = async (card: Card) => {
    setBusy(true);
    setError(null);
    try {
      const { payment: result } = await api.confirmPayment(payment.id, card);
      if (result.status === "failed") {
        setError(
          CARD_FAILURES[result.failureCode ?? ""] ?? "The payment did not go through. Try another card.",
        );
      }
      // The deal moved (or not): show it as the server has it now, even if `deal:changed` is late.
      props.onChanged((await api.deal(deal.id)).deal);
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === "card_declined") setError(CARD_FAILURES.card_declined!);
      else setError(checkoutError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="payment-panel" aria-labelledby="pay-title">
      <div className="payment-head">
        <h2 id="pay-title">Reserved for you</h2>
        <span
          className="countdown"
          role="timer"
          aria-label={left > 0 ? `${mmss(left)} left to pay` : "Time is up"}
        >
          {left > 0 ? `${mmss(left)} left` : "Time is up"}
        </span>
      </div>
      <p className="muted">
        Nobody else can buy it until {hourMinute(until)}. Total <strong>{formatMoney(deal.total)}</strong>
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {left === 0 ? (
        <p role="status">Ending the reservation…</p>
      ) : needsSecret ? (
        error ? (
          <button type="button" className="button" onClick={openCharge}>
            Try again
          </button>
        ) : (
          <p role="status">Preparing the secure card form…</p>
        )
      ) : payment.provider === "stripe" && config?.stripePublishableKey && payment.clientSecret ? (
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
    </section>
  );
}
