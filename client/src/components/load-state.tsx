import { useEffect, useRef, useState } from "react";

/**
 * Loads a page's data when it mounts, and again on `retry`; `apply` takes the result. A page shows its
 * form only once it is loaded (what someone typed before would be overwritten by the load), and
 * `LoadState` until then.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  apply: (value: T) => void,
): { failed: boolean; retry: () => void } {
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const latest = useRef({ load, apply });
  latest.current = { load, apply };
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the "Try again" trigger
  useEffect(() => {
    let live = true;
    setFailed(false);
    latest.current.load().then(
      (value) => {
        if (live) latest.current.apply(value);
      },
      () => {
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, [attempt]);
  return { failed, retry: () => setAttempt((n) => n + 1) };
}

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
