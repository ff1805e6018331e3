import { useNotifications } from "../state/notifications.js";
import { Link, usePath } from "../state/router.js";

/** The header's bell: the unread count, live; it opens the notifications page. */
export function Bell() {
  const { unread } = useNotifications();
  const path = usePath();
  const label = unread > 0 ? `Notifications, ${unread} unread` : "Notifications";
  return (
    <Link
      href="/notifications"
      className="bell"
      aria-label={label}
      title={label}
      aria-current={path === "/notifications" ? "page" : undefined}
    >
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          d="M12 3a6 6 0 0 0-6 6v3.6l-1.6 2.7A1 1 0 0 0 5.3 17h13.4a1 1 0 0 0 .9-1.7L18 12.6V9a6 6 0 0 0-6-6Zm0 19a3 3 0 0 0 2.8-2H9.2A3 3 0 0 0 12 22Z"
          fill="currentColor"
        />
      </svg>
      {unread > 0 && (
        <span className="bell-count" aria-hidden="true">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </Link>
  );
}
