import { lazy, Suspense } from "react";
import { ConnectionBanner } from "./components/connection-banner.js";
import { Header } from "./components/header.js";
import type { ConsoleTab } from "./pages/console-page.js";
import { DealPage } from "./pages/deal-page.js";
import { DealsPage } from "./pages/deals-page.js";
import { InboxPage } from "./pages/inbox-page.js";
import { ItemPage } from "./pages/item-page.js";
import { MarketplacePage } from "./pages/marketplace-page.js";
import { MyListingsPage } from "./pages/my-listings-page.js";
import { NotificationsPage } from "./pages/notifications-page.js";
import { ProfilePage } from "./pages/profile-page.js";
import { SavedPage } from "./pages/saved-page.js";
import { SellPage } from "./pages/sell-page.js";
import { SellerPage } from "./pages/seller-page.js";
import { SettingsPage } from "./pages/settings-page.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { VerifyEmailPage } from "./pages/verify-email-page.js";
import { FavoritesProvider } from "./state/favorites.js";
import { NotificationsProvider } from "./state/notifications.js";
import { RealtimeProvider } from "./state/realtime.js";
import { Link, usePath } from "./state/router.js";
import { SessionProvider, useSession } from "./state/session.js";
import { ToastProvider } from "./state/toasts.js";
import { UnreadProvider } from "./state/unread.js";
import { useUnreadTitle } from "./state/use-unread-title.js";

// Moderators only: buyers and sellers never download the console.
const ConsolePage = lazy(() => import("./pages/console-page.js").then((m) => ({ default: m.ConsolePage })));

/** What a non-moderator gets at a console address: no console (the server refuses them anyway). */
function NotAModerator() {
  return (
    <main className="page narrow">
      <h1>Page not found</h1>
      <p className="muted">There is nothing here for your account.</p>
      <Link href="/">Back to the marketplace</Link>
    </main>
  );
}

const ITEM_PATH = /^\/items\/([0-9a-f-]{36})\/?$/i;
const DEAL_PATH = /^\/deals\/([0-9a-f-]{36})\/?$/i;
const CONSOLE_PATH = /^\/console(?:\/(reports|audit|deals|webhooks))?\/?$/;
const CONSOLE_TABS: Record<string, ConsoleTab> = {
  reports: "reports",
  audit: "audit",
  deals: "deals",
  webhooks: "webhooks",
};
const SELLER_PATH = /^\/u\/([a-z0-9_-]{3,32})\/?$/;
/** Pages anyone may see; every other page asks a signed-out visitor to sign in, then comes back. */
const isOpenPage = (path: string) =>
  path === "/" || path === "" || path === "/verify-email" || ITEM_PATH.test(path) || SELLER_PATH.test(path);

function Routes() {
  const { user } = useSession();
  const path = usePath();
  useUnreadTitle();
  if (path === "/signin" || (!user && !isOpenPage(path))) return <SignInPage />;
  const itemId = ITEM_PATH.exec(path)?.[1];
  const sellerName = SELLER_PATH.exec(path)?.[1];
  const dealId = DEAL_PATH.exec(path)?.[1];
  const consoleMatch = CONSOLE_PATH.exec(path);
  let page: React.ReactNode;
  if (path === "/" || path === "") page = <MarketplacePage user={user} />;
  else if (itemId) page = <ItemPage key={itemId} itemId={itemId} user={user} />;
  else if (sellerName) page = <SellerPage key={sellerName} username={sellerName} />;
  // The link in a verification email works signed in or out: its token says whose address it is.
  else if (path === "/verify-email") page = <VerifyEmailPage />;
  else if (!user) return <SignInPage />;
  else if (path === "/me/listings") page = <MyListingsPage />;
  else if (path === "/saved") page = <SavedPage />;
  else if (path === "/me/profile") page = <ProfilePage />;
  else if (path === "/notifications") page = <NotificationsPage />;
  else if (path === "/inbox") page = <InboxPage />;
  else if (path === "/settings") page = <SettingsPage />;
  else if (consoleMatch)
    // Moderators only; the server refuses everyone else's moderation calls in any case.
    page =
      user.role === "moderator" ? (
        <Suspense
          fallback={
            <main className="page">
              <p className="muted" role="status">
                Opening the console…
              </p>
            </main>
          }
        >
          <ConsolePage user={user} tab={CONSOLE_TABS[consoleMatch[1] ?? ""] ?? "live"} />
        </Suspense>
      ) : (
        <NotAModerator />
      );
  else if (path === "/sell") page = <SellPage user={user} />;
  else if (dealId) page = <DealPage key={dealId} dealId={dealId} user={user} />;
  else if (path === "/purchases") page = <DealsPage key="buyer" side="buyer" user={user} />;
  else if (path === "/sales") page = <DealsPage key="seller" side="seller" user={user} />;
  else
    page = (
      <main className="page narrow">
        <h1>Page not found</h1>
        <Link href="/">Back to the marketplace</Link>
      </main>
    );
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header user={user} />
      <ConnectionBanner />
      <div id="main">{page}</div>
    </>
  );
}

export function App() {
  return (
    <SessionProvider>
      <RealtimeProvider>
        <UnreadProvider>
          <NotificationsProvider>
            <ToastProvider>
              <FavoritesProvider>
                <Routes />
              </FavoritesProvider>
            </ToastProvider>
          </NotificationsProvider>
        </UnreadProvider>
      </RealtimeProvider>
    </SessionProvider>
  );
}
