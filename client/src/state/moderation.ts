import { bodyOf, HIDDEN_BODY, type TimelineEvent } from "../../../shared/events.js";
import { ApiRequestError } from "../api/http.js";

/**
 * What a `custom:moderation` event does to the message it targets, for this viewer. Moderators keep
 * the original and gain (or lose) the `moderation` mark; everyone else gets the body blanked on a hide,
 * and on a restore must fetch the original again: they never had it, or only before it was hidden.
 */
export function applyModeration<E extends TimelineEvent>(
  target: E,
  moderation: TimelineEvent,
  isModerator: boolean,
): E | "refetch" {
  const body = bodyOf(moderation, "custom:moderation");
  if (!body || body.targetSeq !== target.seq) return target;
  if (body.action === "hide") {
    return isModerator
      ? { ...target, moderation: { hidden: true, reason: body.reason, hiddenAt: moderation.createdAt } }
      : { ...target, body: { ...HIDDEN_BODY } };
  }
  if (body.action === "restore") {
    if (!isModerator) return "refetch";
    return { ...target, moderation: undefined };
  }
  return target;
}

/** The seq a moderation event targets, if it is a hide or a restore. */
export function moderationTarget(event: TimelineEvent): number | null {
  const body = bodyOf(event, "custom:moderation");
  if (!body || body.action === "remove" || body.targetSeq === undefined) return null;
  return body.targetSeq;
}

/** A failed call in words a moderator can act on: the server's message, with the status for the record. */
export function describeError(error: unknown): string {
  if (error instanceof ApiRequestError) {
    if (error.status === 0) return error.message;
    return `${error.message} (${error.status} ${error.code})`;
  }
  return "Something went wrong. Please try again.";
}
