/** What a page shows while its data loads, or after the load failed: a way to try again, never an empty form. */
export function LoadState({ what, failed, onRetry }: { what: string; failed: boolean; onRetry: () => void }) {
  if (!failed) return <p className="muted">Loading {what}…</p>;
  return (
    <p role="alert">
      Could not load {what}.{" "}
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </p>
  );
}
