import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";
import { LIMITS } from "../../../shared/limits.js";
import { ZReason } from "../../../shared/moderation.js";
import { describeError } from "../state/moderation.js";
import { useToast } from "../state/toasts.js";

/** An action that needs a reason: a moderator's hide, suspend, resolve, or anyone's report. */
export type ReasonRequest = {
  title: string;
  /** What is acted on, shown above the reason (user text stays text). */
  subject?: ReactNode;
  label?: string;
  confirmLabel: string;
  tone?: "danger" | "primary";
  /** Does the thing; resolves with the confirmation to show, rejects with the server's refusal. */
  run(reason: string): Promise<string>;
  /** Says a refusal in this action's words (moderation's wording, with its code, by default). */
  describe?(error: unknown): string;
};

/**
 * A modal `<dialog>` asking for a reason: focus moves in and back, Escape cancels, the server's
 * refusal (409 already hidden, 403 a moderator) stays on screen until the person decides.
 */
export function useReasonDialog(): { ask(request: ReasonRequest): void; dialog: ReactNode } {
  const [request, setRequest] = useState<ReasonRequest | null>(null);
  const ask = useCallback((next: ReasonRequest) => setRequest(next), []);
  const dialog = request ? <ReasonDialog request={request} onClose={() => setRequest(null)} /> : null;
  return { ask, dialog };
}

function ReasonDialog({ request, onClose }: { request: ReasonRequest; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const toast = useToast();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = ZReason.safeParse(reason);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Give a reason");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const done = await request.run(parsed.data);
      toast.show("success", done);
      onClose();
    } catch (failure) {
      setError((request.describe ?? describeError)(failure));
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="reason-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`}>{request.title}</h2>
        {request.subject && <div className="reason-subject">{request.subject}</div>}
        <div className={`field${error ? " field-invalid" : ""}`}>
          <label htmlFor={`${id}-reason`}>{request.label ?? "Reason"}</label>
          <textarea
            id={`${id}-reason`}
            rows={3}
            maxLength={LIMITS.reasonMax}
            value={reason}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(event) => setReason(event.target.value)}
            autoFocus
          />
        </div>
        {error && (
          <p className="form-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="submit"
            className={`button ${request.tone === "danger" ? "danger" : "primary"}`}
            disabled={busy}
          >
            {busy ? "Working…" : request.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
