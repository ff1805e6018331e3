import { useState } from "react";
import type { Deal } from "../../../shared/deals.js";
import { api } from "../api/http.js";
import { checkoutError, transitionLabel } from "../state/deal-words.js";
import type { ReasonRequest } from "./reason-dialog.js";

/** Transitions that take a reason, asked in the reason dialog before the call. */
const WITH_REASON: Record<string, Omit<ReasonRequest, "run">> = {
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

/** One button per transition the caller may take now (`deal.transitions`, decided by the server). */
export function DealActions(props: {
  deal: Deal;
  onChanged(deal: Deal): void;
  ask(request: ReasonRequest): void;
}) {
  const { deal } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (deal.transitions.length === 0) return null;

  const take = async (name: string, params: Record<string, unknown> = {}) => {
    setBusy(name);
    setError(null);
    try {
      props.onChanged((await api.transition(deal.id, name, params)).deal);
    } catch (failure) {
      setError(checkoutError(failure));
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
    const asking = WITH_REASON[name];
    if (!asking) return void take(name);
    props.ask({
      ...asking,
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
