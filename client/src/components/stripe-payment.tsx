import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
import type { Stripe } from "@stripe/stripe-js";
import { loadStripe } from "@stripe/stripe-js/dist/pure.mjs";
import { type FormEvent, useState } from "react";

const stripes = new Map<string, Promise<Stripe | null>>();

/** Stripe.js loads only here, only when the server runs with Stripe. */
function stripeFor(publishableKey: string): Promise<Stripe | null> {
  const known = stripes.get(publishableKey);
  if (known) return known;
  const loading: Promise<Stripe | null> = loadStripe(publishableKey);
  stripes.set(publishableKey, loading);
  return loading;
}

function PaymentForm(props: { onSubmitted(): void; onError(message: string): void }) {
  const stripe = useStripe();
  const elements = useElements();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!stripe || !elements) return;
    setBusy(true);
    const result = await stripe.confirmPayment({
      elements,
      redirect: "if_required",
      confirmParams: { return_url: window.location.href },
    });
    setBusy(false);
    // Success is decided by the server (webhook): the room shows Sold when it is.
    if (result.error) props.onError(result.error.message ?? "The payment did not go through.");
    else props.onSubmitted();
  };

  return (
    <form className="card-form" onSubmit={submit}>
      <PaymentElement />
      <button type="submit" className="button primary wide" disabled={!stripe || busy}>
        Pay
      </button>
    </form>
  );
}

/** Stripe's Payment Element for the checkout's PaymentIntent. */
export default function StripePayment(props: {
  publishableKey: string;
  clientSecret: string;
  onSubmitted(): void;
  onError(message: string): void;
}) {
  return (
    <Elements stripe={stripeFor(props.publishableKey)} options={{ clientSecret: props.clientSecret }}>
      <PaymentForm onSubmitted={props.onSubmitted} onError={props.onError} />
    </Elements>
  );
}
