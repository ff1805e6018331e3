import { Link, usePath } from "../state/router.js";

/** Notifications and Inbox are two views of what is new for the user: tabs between them. */
export function InboxTabs() {
  const path = usePath();
  return (
    <nav className="inbox-tabs" aria-label="What is new">
      <Link href="/notifications" aria-current={path === "/notifications" ? "page" : undefined}>
        Notifications
      </Link>
      <Link href="/inbox" aria-current={path === "/inbox" ? "page" : undefined}>
        Inbox
      </Link>
      <Link href="/settings" className="inbox-settings">
        Email settings
      </Link>
    </nav>
  );
}
