import { useState } from "react";
import type { User } from "../../../shared/users.js";
import { api } from "../api/http.js";
import { askToSignIn, Link, navigate, usePath } from "../state/router.js";
import { useSession } from "../state/session.js";
import { Avatar } from "./avatar.js";
import { Bell } from "./bell.js";
import { Logo } from "./logo.js";

export function Header({ user }: { user: User | null }) {
  const { signOut, signedIn } = useSession();
  const [busy, setBusy] = useState(false);
  const path = usePath();
  const current = (href: string) => (path === href ? "page" : undefined);
  // v2: a buyer becomes a seller in one step, keeping their purchases.
  const startSelling = () => {
    setBusy(true);
    api.startSelling().then(
      (session) => {
        signedIn(session);
        setBusy(false);
        navigate("/sell");
      },
      () => setBusy(false),
    );
  };
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link href="/" className="brand" aria-label="Parley, the marketplace">
          <Logo />
          <span>Parley</span>
        </Link>
        <nav aria-label="Main" className="site-nav">
          <Link href="/">Marketplace</Link>
          {user && user.role !== "moderator" && <Link href="/saved">Saved</Link>}
          {user && user.role !== "moderator" && (
            <Link href="/inbox" aria-current={current("/inbox")}>
              Inbox
            </Link>
          )}
          {user?.role === "seller" && <Link href="/me/listings">My listings</Link>}
          {user && user.role !== "moderator" && (
            <Link href="/purchases" className="nav-deals" aria-current={current("/purchases")}>
              My purchases
            </Link>
          )}
          {user?.role === "seller" && (
            <Link href="/sales" className="nav-deals" aria-current={current("/sales")}>
              My sales
            </Link>
          )}
          {user && user.role !== "moderator" && (
            // Phones have room for one link: the page it opens has both lists.
            <Link href="/purchases" className="nav-deals-phone" aria-label="My purchases and sales">
              Deals
            </Link>
          )}
          {user?.role === "moderator" && (
            <Link href="/console" className="nav-console">
              Console
            </Link>
          )}
          {user?.role === "seller" && (
            <Link href="/sell" className="button primary small">
              Sell an item
            </Link>
          )}
          {user?.role === "buyer" && (
            <button type="button" className="button small" disabled={busy} onClick={startSelling}>
              Start selling
            </button>
          )}
        </nav>
        {user ? (
          <div className="user-menu">
            <Bell />
            <Avatar id={user.id} name={user.displayName} size={32} />
            <Link href="/me/profile" className="user-name" title="Your profile">
              <strong>{user.displayName}</strong>
              <span className="user-role">{user.role}</span>
            </Link>
            <button
              type="button"
              className="button ghost small"
              aria-label="Sign out everywhere"
              title="Ends your session on every device and browser where you are signed in"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void signOut();
              }}
            >
              {/* On a phone's narrow header the word goes; the name and the tooltip keep it. */}
              Sign out<span className="sign-out-scope"> everywhere</span>
            </button>
          </div>
        ) : (
          <div className="user-menu">
            <button type="button" className="button primary small" onClick={askToSignIn}>
              Sign in
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
