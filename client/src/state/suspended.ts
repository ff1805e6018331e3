import { useEffect, useSyncExternalStore } from "react";
import type { ModeratedUser } from "../../../shared/moderation.js";
import { api } from "../api/http.js";

// Who is suspended, for the moderator's Suspend/Reinstate buttons: read once from the server
// (`GET /api/moderation/users?suspended=true`, so a reload remembers), then kept by the answers to this
// session's own suspensions and reinstatements.
let suspended: ReadonlySet<string> = new Set();
/** Asked once per page load (again only after a failure). */
let requested = false;
const listeners = new Set<() => void>();

function publish(next: ReadonlySet<string>): void {
  suspended = next;
  for (const listener of listeners) listener();
}

/** Remembers a user's suspension as the server just answered it. */
export function recordSuspension(user: ModeratedUser): void {
  const next = new Set(suspended);
  if (user.suspendedAt) next.add(user.id);
  else next.delete(user.id);
  publish(next);
}

/** The ids of suspended users, read from the server when `moderator` (only moderators may ask). */
export function useSuspended(moderator = true): ReadonlySet<string> {
  useEffect(() => {
    if (!moderator) return;
    if (requested) return;
    requested = true;
    api.suspendedUsers().then(
      ({ users }) => publish(new Set([...suspended, ...users.map((user) => user.id)])),
      () => {
        requested = false;
      },
    );
  }, [moderator]);
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => suspended,
  );
}
