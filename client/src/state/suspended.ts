import { useSyncExternalStore } from "react";
import type { ModeratedUser } from "../../../shared/moderation.js";

// The API has no "list suspended users": the console knows whom it suspended or reinstated this
// session, and offers Reinstate for those (the audit log holds the full record).
let suspended: ReadonlySet<string> = new Set();
const listeners = new Set<() => void>();

/** Remembers a user's suspension as the server just answered it. */
export function recordSuspension(user: ModeratedUser): void {
  const next = new Set(suspended);
  if (user.suspendedAt) next.add(user.id);
  else next.delete(user.id);
  suspended = next;
  for (const listener of listeners) listener();
}

export function useSuspended(): ReadonlySet<string> {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => suspended,
  );
}
