import type { ReactNode } from "react";
import { bodyOf, type EventAuthor, type ItemEvent } from "../../../shared/events.js";
import type { Item } from "../../../shared/items.js";
import type { ModeratedUser } from "../../../shared/moderation.js";
import { api } from "../api/http.js";
import type { ReasonRequest } from "./reason-dialog.js";

type Ask = (request: ReasonRequest) => void;

/** The message being acted on, quoted as text. */
function MessageQuote({ event }: { event: ItemEvent }) {
  const text = bodyOf(event, "text")?.text;
  return (
    <blockquote className="quote">
      <cite>{event.author?.displayName ?? "Parley"}</cite>
      <span>{typeof text === "string" ? text : "(no text)"}</span>
    </blockquote>
  );
}

type ModerationHooks = {
  /** The `custom:moderation` event a hide or restore appended (also delivered live). */
  onEvent?(event: ItemEvent): void;
  onItem?(item: Item): void;
  onUser?(user: ModeratedUser): void;
};

type Person = Pick<EventAuthor, "id" | "displayName"> & { username?: string };

/** Every moderator action, each asking for its reason first. */
export function moderationActions(ask: Ask, hooks: ModerationHooks = {}) {
  return {
    hide: (event: ItemEvent) =>
      ask({
        title: "Hide this message",
        subject: <MessageQuote event={event} />,
        label: "Reason (shown to the room and kept in the audit log)",
        confirmLabel: "Hide message",
        tone: "danger",
        run: async (reason) => {
          const result = await api.hideEvent(event.itemId, event.seq, reason);
          hooks.onEvent?.(result.event);
          return "Message hidden. Only moderators can read it now.";
        },
      }),
    restore: (event: ItemEvent) =>
      ask({
        title: "Restore this message",
        subject: <MessageQuote event={event} />,
        confirmLabel: "Restore message",
        run: async (reason) => {
          const result = await api.restoreEvent(event.itemId, event.seq, reason);
          hooks.onEvent?.(result.event);
          return "Message restored. Everyone can read it again.";
        },
      }),
    removeItem: (item: Pick<Item, "id" | "title">) =>
      ask({
        title: "Remove this item",
        subject: (
          <p>
            <strong>{item.title}</strong> leaves the marketplace and its room closes to new messages and
            checkouts.
          </p>
        ),
        confirmLabel: "Remove item",
        tone: "danger",
        run: async (reason) => {
          const result = await api.removeItem(item.id, reason);
          hooks.onItem?.(result.item);
          return `“${item.title}” was removed.`;
        },
      }),
    suspend: (person: Person) =>
      ask({
        title: `Suspend ${person.displayName}`,
        subject: <p>They are signed out everywhere at once and cannot sign in until reinstated.</p>,
        confirmLabel: "Suspend user",
        tone: "danger",
        run: async (reason) => {
          const result = await api.suspendUser(person.id, reason);
          hooks.onUser?.(result.user);
          return `${person.displayName} is suspended.`;
        },
      }),
    reinstate: (person: Person) =>
      ask({
        title: `Reinstate ${person.displayName}`,
        subject: <p>They can sign in again (their old sessions stay ended).</p>,
        confirmLabel: "Reinstate user",
        run: async (reason) => {
          const result = await api.reinstateUser(person.id, reason);
          hooks.onUser?.(result.user);
          return `${person.displayName} is reinstated.`;
        },
      }),
  };
}

export type ModerationActions = ReturnType<typeof moderationActions>;

/** Hide or Restore, and Suspend or Reinstate the author: the inline controls of one chat message. */
export function MessageModerationButtons(props: {
  event: ItemEvent;
  actions: ModerationActions;
  /** Users known to be suspended (from this session's actions). */
  suspended: ReadonlySet<string>;
}): ReactNode {
  const { event, actions } = props;
  const author = event.author;
  if (event.type !== "text" || !author) return null;
  return (
    <>
      {event.moderation ? (
        <button type="button" className="chip-button" onClick={() => actions.restore(event)}>
          Restore
        </button>
      ) : (
        <button type="button" className="chip-button danger" onClick={() => actions.hide(event)}>
          Hide
        </button>
      )}
      {author.role !== "moderator" &&
        (props.suspended.has(author.id) ? (
          <button type="button" className="chip-button" onClick={() => actions.reinstate(author)}>
            Reinstate author
          </button>
        ) : (
          <button type="button" className="chip-button" onClick={() => actions.suspend(author)}>
            Suspend author
          </button>
        ))}
    </>
  );
}

/** "Report" for everyone but moderators: a message (never one's own) or a whole item. */
export function reportActions(ask: Ask) {
  const thanks = "Thanks. Your report was sent to the moderators.";
  return {
    message: (event: ItemEvent) =>
      ask({
        title: "Report this message",
        subject: <MessageQuote event={event} />,
        label: "What is wrong with it?",
        confirmLabel: "Send report",
        run: async (reason) => {
          await api.report({ itemId: event.itemId, seq: event.seq, reason });
          return thanks;
        },
      }),
    item: (item: Pick<Item, "id" | "title">) =>
      ask({
        title: "Report this item",
        subject: (
          <p>
            <strong>{item.title}</strong>
          </p>
        ),
        label: "What is wrong with it?",
        confirmLabel: "Send report",
        run: async (reason) => {
          await api.report({ itemId: item.id, reason });
          return thanks;
        },
      }),
  };
}
