import { type FormEvent, useState } from "react";
import type { Card } from "../../../shared/payments.js";

function parseExpiry(text: string): { expMonth: number; expYear: number } | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return null;
  const expMonth = Number(match[1]);
  const year = Number(match[2]);
  if (expMonth < 1 || expMonth > 12) return null;
  return { expMonth, expYear: year < 100 ? 2000 + year : year };
}

/** Card fields for the simulated processor, with the test cards shown as a hint. */
export function CardForm(props: { busy: boolean; onPay(card: Card): void }) {
  const [number, setNumber] = useState("");
  const [expiry, setExpiry] = useState("12 / 34");
  const [cvc, setCvc] = useState("123");
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const digits = number.replace(/\D/g, "");
    const exp = parseExpiry(expiry);
    if (digits.length < 12 || digits.length > 19) return setError("Enter the card number.");
    if (!exp) return setError("Enter the expiry as MM / YY.");
    if (!/^\d{3,4}$/.test(cvc.trim())) return setError("Enter the 3 or 4 digit CVC.");
    setError(null);
    props.onPay({ number: digits, ...exp, cvc: cvc.trim() });
  };

  return (
    <form className="card-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="card-number">Card number</label>
        <input
          id="card-number"
          inputMode="numeric"
          autoComplete="cc-number"
          placeholder="4242 4242 4242 4242"
          aria-describedby="card-hint"
          value={number}
          onChange={(e) => setNumber(e.target.value)}
        />
      </div>
      <div className="card-row">
        <div className="field">
          <label htmlFor="card-expiry">Expiry</label>
          <input
            id="card-expiry"
            autoComplete="cc-exp"
            placeholder="MM / YY"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="card-cvc">CVC</label>
          <input
            id="card-cvc"
            inputMode="numeric"
            autoComplete="cc-csc"
            value={cvc}
            onChange={(e) => setCvc(e.target.value)}
          />
        </div>
      </div>
      <p className="field-hint" id="card-hint">
        Test mode: <code>4242 4242 4242 4242</code> pays, <code>4000 0000 0000 0002</code> is declined,{" "}
        <code>4000 0000 0000 9995</code> has insufficient funds.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary wide" disabled={props.busy}>
        Pay
      </button>
    </form>
  );
}
