import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";

type Toast = { id: number; kind: "success" | "error"; text: string };

type ToastState = { show(kind: Toast["kind"], text: string): void };

const ToastContext = createContext<ToastState>({ show: () => {} });

const SHOWN_MS = 6_000;

/** Short confirmations ("Message hidden") in a polite live region, so screen readers hear them too. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (kind: Toast["kind"], text: string) => {
      const id = next.current++;
      setToasts((list) => [...list.slice(-2), { id, kind, text }]);
      setTimeout(() => dismiss(id), SHOWN_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ show }), [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.kind}`}>
            <span className="toast-icon" aria-hidden="true">
              {toast.kind === "success" ? "✓" : "!"}
            </span>
            <span>{toast.text}</span>
            <button
              type="button"
              className="toast-close"
              aria-label="Dismiss notification"
              onClick={() => dismiss(toast.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export const useToast = () => useContext(ToastContext);
