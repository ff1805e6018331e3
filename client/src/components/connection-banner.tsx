import { useRealtime } from "../state/realtime.js";

/** Says so while the live connection is down; the app rejoins its rooms by itself when it returns. */
export function ConnectionBanner() {
  const { status } = useRealtime();
  return (
    <div className="connection" role="status" aria-live="polite">
      {status === "reconnecting" && (
        <span className="connection-banner">
          <span className="spinner" aria-hidden="true" /> Reconnecting…
        </span>
      )}
    </div>
  );
}
