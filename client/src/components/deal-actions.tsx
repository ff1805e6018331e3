import { useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import { api } from "../api/http.js";
import { transitionError, transitionLabel } from "../state/deal-words.js";
import { ResolvePanel, ShipForm } from "./deal-fulfilment.js";
import type { ReasonRequest } from "./reason-dialog.js";

/** Transitions that take a reason, asked in the reason dialog before the call. */
const WITH_REASON: Record<string, Omit<ReasonRequest, "run" | "describe">> = {
  dispute: {
    title: "Report a problem with this order",
    label: "What went wrong? The seller and the moderators will read it.",
    confirmLabel: "Report the problem",
    tone: "danger",
  },
  "cancel-order": {
    title: "Cancel this order",
    label: "Why? The buyer is refunded in full and reads your reason.",
    confirmLabel: "Cancel and refund",
    tone: "danger",
  },
};

/** Ways out, drawn quieter than the way forward. */
const SECONDARY = new Set(["cancel", "cancel-order", "dispute", "decline", "withdraw"]);

/**
 * One button per transition the caller may take now (`deal.transitions`, decided by the server); `ship`
 * opens the shipment form, `dispute` and `cancel-order` ask a reason, a moderator's `resolve` is a panel.
 */
export function DealActions(props: {
  deal: Deal;
  onChanged(deal: Deal): void;
  ask(request: ReasonRequest): void;
}) {
  const { deal } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shipping, setShipping] = useState(false);
  if (deal.transitions.length === 0) return null;
  if (deal.transitions.includes("resolve")) return <ResolvePanel deal={deal} onChanged={props.onChanged} />;
  if (shipping && deal.transitions.includes("ship")) {
    return <ShipForm deal={deal} onChanged={props.onChanged} onClose={() => setShipping(false)} />;
  }

  const take = async (name: string, params: Record<string, unknown> = {}) => {
    setBusy(name);
    setError(null);
    try {
      props.onChanged((await api.transition(deal.id, name, params)).deal);
    } catch (failure) {
      setError(transitionError(failure));
      // Whatever happened meanwhile, show the deal as it is now.
      api.deal(deal.id).then(
        ({ deal: now }) => props.onChanged(now),
        () => {},
      );
    } finally {
      setBusy(null);
    }
  };

  const press = (name: string) => {
    if (name === "ship") return setShipping(true);
    const asking = WITH_REASON[name];
    if (!asking) return void take(name);
    props.ask({
      ...asking,
      describe: transitionError,
      run: async (reason) => {
        props.onChanged((await api.transition(deal.id, name, { reason })).deal);
        return "Done.";
      },
    });
  };

  return (
    <div className="deal-actions">
      {deal.transitions.map((name) => (
        <button
          key={name}
          type="button"
          className={`button ${SECONDARY.has(name) ? "danger-outline" : "primary"}`}
          disabled={busy !== null}
          onClick={() => press(name)}
        >
          {busy === name ? "Working…" : transitionLabel(name)}
        </button>
      ))}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
