import { useEffect, useState } from "react";
import type { Notification } from "../../../shared/notifications.js";
import { api } from "../api/http.js";
import { InboxTabs } from "../components/inbox-tabs.js";
import { useNotifications } from "../state/notifications.js";
import { navigate } from "../state/router.js";
import { chatTime } from "../state/time.js";
import { useToast } from "../state/toasts.js";

/** Every notification, newest first, a page at a time; opening one reads it and goes to its link. */
export function NotificationsPage() {
  const { recent, unread, markRead } = useNotifications();
  const toast = useToast();
  const [older, setOlder] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  // The first page lives in the provider (kept live); older pages are fetched here.
  useEffect(() => {
    api.notifications().then(
      (page) => {
        setCursor(page.nextCursor);
        setLoaded(true);
      },
      () => setLoaded(true),
    );
  }, []);

  const shown = [...recent, ...older.filter((n) => !recent.some((r) => r.id === n.id))];

  const more = async () => {
    if (!cursor) return;
    try {
      const page = await api.notifications({ cursor });
      setOlder((current) => [...current, ...page.notifications]);
      setCursor(page.nextCursor);
    } catch {
      toast.show("error", "Could not load more notifications. Try again.");
    }
  };

  const open = (notification: Notification) => {
    if (notification.readAt === null) markRead([notification.id]).catch(() => {});
    navigate(notification.link);
  };

  return (
    <main className="page narrow">
      <InboxTabs />
      <div className="notifications-head">
        <h1>Notifications</h1>
        <button
          type="button"
          className="button small"
          disabled={unread === 0}
          onClick={() =>
            markRead("all").catch(() => toast.show("error", "Could not mark them read. Try again."))
          }
        >
          Mark all read
        </button>
      </div>
      {loaded && shown.length === 0 && (
        <p className="muted">Nothing yet. Offers, messages, bids and sales you are part of show up here.</p>
      )}
      <ul className="notification-list">
        {shown.map((notification) => (
          <li key={notification.id}>
            <button
              type="button"
              className={`notification${notification.readAt === null ? " is-unread" : ""}`}
              onClick={() => open(notification)}
            >
              <span className="notification-title">{notification.title}</span>
              <span className="notification-body">{notification.body}</span>
              <time dateTime={notification.createdAt} className="notification-time">
                {chatTime(notification.createdAt)}
              </time>
              {notification.readAt === null && <span className="sr-only"> (unread)</span>}
            </button>
          </li>
        ))}
      </ul>
      {cursor && older.length + recent.length >= 20 && (
        <button type="button" className="button" onClick={() => void more()}>
          Show older
        </button>
      )}
    </main>
  );
}
