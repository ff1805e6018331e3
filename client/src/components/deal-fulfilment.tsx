import { type FormEvent, useId, useState } from "react";
import { type Deal, type ResolveParams, ZResolveParams, ZShipParams } from "../../../shared/deals.js";
import { bodyOf, type DealEvent } from "../../../shared/events.js";
import { LIMITS } from "../../../shared/limits.js";
import { formatMoney, parseMoneyInput } from "../../../shared/money.js";
import { api } from "../api/http.js";
import { fulfilmentDeadline, transitionError } from "../state/deal-words.js";

/** The params of the latest `custom:deal` event of `transition` in the thread (a shipment, a dispute). */
export function lastParams(events: readonly DealEvent[], transition: string): Record<string, unknown> {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const body = bodyOf(events[i]!, "custom:deal");
    if (body?.transition === transition) return body.params ?? {};
  }
  return {};
}

const text = (params: Record<string, unknown>, key: string) =>
  typeof params[key] === "string" ? (params[key] as string) : "";

/** The seller marks the order shipped: carrier and tracking number, both optional (a hand delivery has none). */
export function ShipForm({
  deal,
  onChanged,
  onClose,
}: {
  deal: Deal;
  onChanged(deal: Deal): void;
  onClose(): void;
}) {
  const id = useId();
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = ZShipParams.safeParse({
      ...(carrier.trim() ? { carrier } : {}),
      ...(tracking.trim() ? { trackingNumber: tracking } : {}),
    });
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? "Check the fields");
    setBusy(true);
    setError(null);
    try {
      onChanged((await api.transition(deal.id, "ship", parsed.data)).deal);
      onClose();
    } catch (failure) {
      setError(transitionError(failure));
      setBusy(false);
    }
  };

  return (
    <form className="fulfilment-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Mark as shipped</h3>
      <div className="fulfilment-fields">
        <div className="field">
          <label htmlFor={`${id}-carrier`}>Carrier (optional)</label>
          <input
            id={`${id}-carrier`}
            value={carrier}
            maxLength={LIMITS.shipmentFieldMax}
            placeholder="DHL, USPS, by hand…"
            onChange={(e) => setCarrier(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tracking`}>Tracking number (optional)</label>
          <input
            id={`${id}-tracking`}
            value={tracking}
            maxLength={LIMITS.shipmentFieldMax}
            onChange={(e) => setTracking(e.target.value)}
          />
        </div>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button ghost" onClick={onClose} disabled={busy}>
          Not yet
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Working…" : "Confirm shipment"}
        </button>
      </div>
    </form>
  );
}

type Outcome = "full" | "partial" | "release";

/**
 * A moderator settles a disputed deal: refund the buyer in full, refund part (an amount up to the total),
 * or release the payment to the seller. Used on the deal page and in the console's disputes.
 */
export function ResolvePanel({ deal, onChanged }: { deal: Deal; onChanged(deal: Deal): void }) {
  const id = useId();
  const [outcome, setOutcome] = useState<Outcome>("full");
  const [amount, setAmount] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const currency = deal.total.currency;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let params: ResolveParams = outcome === "release" ? { outcome: "release" } : { outcome: "refund" };
    if (outcome === "partial") {
      const typed = parseMoneyInput(amount, currency);
      if (typed.error !== undefined) return setError(typed.error);
      if (typed.amount > deal.total.amount) {
        return setError(`Refund at most the total, ${formatMoney(deal.total)}.`);
      }
      const partial = ZResolveParams.safeParse({
        outcome: "refund",
        amount: { amount: typed.amount, currency },
      });
      if (!partial.success) return setError(partial.error.issues[0]?.message ?? "Check the amount.");
      params = partial.data;
    }
    setBusy(true);
    setError(null);
    try {
      onChanged((await api.transition(deal.id, "resolve", params)).deal);
    } catch (failure) {
      setError(transitionError(failure));
    } finally {
      setBusy(false);
    }
  };

  const choice = (value: Outcome, label: string) => (
    <label className="resolve-choice">
      <input
        type="radio"
        name={`${id}-outcome`}
        value={value}
        checked={outcome === value}
        onChange={() => {
          setOutcome(value);
          setError(null);
        }}
      />
      <span>{label}</span>
    </label>
  );

  return (
    <form
      className="fulfilment-form resolve-panel"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${id}-title`}
    >
      <h3 id={`${id}-title`}>Settle the dispute</h3>
      <fieldset className="resolve-choices">
        <legend className="muted small">Total paid: {formatMoney(deal.total)}</legend>
        {choice("full", `Refund the buyer in full (${formatMoney(deal.total)})`)}
        {choice("partial", "Refund part of it")}
        {outcome === "partial" && (
          <div className="field resolve-amount">
            <label htmlFor={`${id}-amount`}>Amount to refund ({currency.toUpperCase()})</label>
            <input
              id={`${id}-amount`}
              inputMode="decimal"
              value={amount}
              onChange={(e) => {
                setAmount(e.target.value);
                setError(null);
              }}
            />
          </div>
        )}
        {choice("release", "Release the payment to the seller")}
      </fieldset>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? "Working…" : outcome === "release" ? "Release to the seller" : "Refund the buyer"}
      </button>
    </form>
  );
}

/** Where an order is after payment, said for this reader, with its next deadline and the facts that matter. */
export function FulfilmentStatus({
  deal,
  side,
  events,
}: {
  deal: Deal;
  side: "buyer" | "seller" | null;
  events: readonly DealEvent[];
}) {
  const deadline = fulfilmentDeadline(deal, side);
  const shipment = lastParams(events, "ship");
  const tracking = [text(shipment, "carrier"), text(shipment, "trackingNumber")].filter(Boolean).join(" · ");
  const refunded = deal.payment?.refunded;
  const seller = deal.seller.displayName;
  const buyer = deal.buyer.displayName;
  const paid = formatMoney(deal.total);

  const says: Record<string, { title: string; line: string; tone: string }> = {
    paid: {
      title: side === "buyer" ? "It's yours!" : side === "seller" ? "Sold" : "Paid",
      tone: "sold",
      line:
        side === "buyer"
          ? deal.shipping
            ? `You paid ${paid}. ${seller} sends it by ${deal.shipping.name}.`
            : `You paid ${paid}. Arrange the pickup with ${seller} here.`
          : side === "seller"
            ? deal.shipping
              ? `${buyer} paid ${paid}. Next step: send it by ${deal.shipping.name}.`
              : `${buyer} paid ${paid}. Next step: send the item, or agree a pickup in this conversation.`
            : `${buyer} paid ${paid}.`,
    },
    shipped: {
      title: side === "buyer" ? "On its way" : "Shipped",
      tone: "sold",
      line: tracking ? `Shipped: ${tracking}.` : "Shipped.",
    },
    completed: {
      title: "Completed",
      tone: "sold",
      line: side === "seller" ? `${buyer} has it. The sale is complete.` : "The order is complete.",
    },
    disputed: {
      title: "A problem was reported",
      tone: "ended",
      line: `${text(lastParams(events, "dispute"), "reason") || "The buyer reported a problem."} A moderator will look at it and write here.`,
    },
    refunded: {
      title: "Refunded",
      tone: "ended",
      line: `${refunded && refunded.amount < deal.total.amount ? `${formatMoney(refunded)} of ${paid}` : paid} was refunded to ${side === "buyer" ? "you" : buyer}.`,
    },
  };
  const status = says[deal.state];
  if (!status) return null;
  const address = deal.shippingAddress;
  return (
    <div className={`${status.tone}-panel fulfilment-status`} role="status">
      <strong>{status.title}</strong>
      <span>{status.line}</span>
      {deadline && <span className="deal-deadline">{deadline}</span>}
      {address && side === "seller" && (deal.state === "paid" || deal.state === "shipped") && (
        <address className="ship-to">
          <span className="muted small">Ship to</span>
          {[
            address.name,
            address.line1,
            address.line2,
            `${address.postalCode} ${address.city}`,
            address.country,
          ]
            .filter(Boolean)
            .map((line) => (
              <span key={line}>{line}</span>
            ))}
        </address>
      )}
    </div>
  );
}
