import { useEffect, useState } from "react";
import type { Conversation } from "../../../shared/notifications.js";
import { api } from "../api/http.js";
import { InboxTabs } from "../components/inbox-tabs.js";
import { useNotifications } from "../state/notifications.js";
import { Link } from "../state/router.js";
import { chatTime } from "../state/time.js";
import { useUnread } from "../state/unread.js";

/**
 * The user's conversations, most recent first: the item rooms they joined and their deals' threads, each
 * with its unread count. Reloaded whenever room activity or a notification arrives.
 */
export function InboxPage() {
  const { counts } = useUnread();
  const { version } = useNotifications();
  const [conversations, setConversations] = useState<Conversation[] | null>(null);
  const [failed, setFailed] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: counts and version say when to reload
  useEffect(() => {
    api.conversations().then(
      ({ conversations }) => {
        setConversations(conversations);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }, [counts, version]);

  return (
    <main className="page narrow">
      <InboxTabs />
      <h1>Inbox</h1>
      {failed && <p className="muted">Could not load your conversations. Check your connection.</p>}
      {conversations?.length === 0 && (
        <p className="muted">No conversations yet. Join an item's room or make an offer to start one.</p>
      )}
      <ul className="conversation-list">
        {conversations
          ?.map(({ unread, ...conversation }) => ({
            ...conversation,
            // A room's live count is the unread state's (it zeroes a room as soon as it is opened).
            unread: conversation.kind === "item" ? (counts.get(conversation.id) ?? unread) : unread,
          }))
          .map((conversation) => (
            <li key={`${conversation.kind}:${conversation.id}`}>
              <Link
                href={conversation.link}
                className={`conversation${conversation.unread > 0 ? " is-unread" : ""}`}
              >
                <span className="conversation-kind">{conversation.kind === "item" ? "Room" : "Deal"}</span>
                <span className="conversation-title">{conversation.title}</span>
                <time dateTime={conversation.lastActivityAt} className="conversation-time">
                  {chatTime(conversation.lastActivityAt)}
                </time>
                {conversation.unread > 0 && (
                  <span className="unread inline">
                    {conversation.unread}
                    <span className="sr-only"> unread</span>
                  </span>
                )}
              </Link>
            </li>
          ))}
      </ul>
    </main>
  );
}
