import { useEffect, useRef, useState } from "react";
import { type AuctionState, nextValidAmount } from "../../../shared/auctions.js";
import type { Item } from "../../../shared/items.js";
import { formatMoney, formatMoneyInput, type Money, parseMoneyInput } from "../../../shared/money.js";
import type { User } from "../../../shared/users.js";
import { placeBid } from "../api/socket.js";
import { newId } from "../state/ids.js";
import { useRealtime } from "../state/realtime.js";
import { Link } from "../state/router.js";
import { mmss } from "../state/time.js";
import { useItemDeal } from "../state/use-item-deal.js";

/** The server clock's lead over this browser's, measured once per page load (again after a failure). */
let serverOffset: Promise<number> | null = null;

/**
 * How far the server's clock is ahead of this browser's, from the `Date` header of one request (to the
 * second, half the round trip added): the countdown counts to the server's end, not the browser's. 0 until
 * it is known.
 */
function useServerOffset(): number {
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    let mounted = true;
    serverOffset ??= measureServerOffset();
    void serverOffset.then((measured) => {
      if (mounted) setOffset(measured);
    });
    return () => {
      mounted = false;
    };
  }, []);
  return offset;
}

async function measureServerOffset(): Promise<number> {
  const sent = Date.now();
  try {
    const response = await fetch("/api/health", { cache: "no-store" });
    const date = Date.parse(response.headers.get("date") ?? "");
    if (!Number.isNaN(date)) return date + 500 - (sent + Date.now()) / 2;
  } catch {
    // Offline for a moment: the browser's clock until the next page asks again.
  }
  serverOffset = null;
  return 0;
}

/** Milliseconds until `until` on the server's clock, ticking four times a second. */
function useTimeLeft(until: string, offset: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Date.parse(until) - (now + offset));
}

const GOING_ONCE_MS = 10_000;
const GOING_TWICE_MS = 5_000;

/**
 * The auction's clock: milliseconds until it ends on the server's clock (0 once it has), ticking four times a
 * second, and how far the server's clock is ahead of this browser's.
 */
function useAuctionClock(auction: AuctionState | null | undefined): { left: number; offset: number } {
  const offset = useServerOffset();
  return { left: useTimeLeft(auction?.endsAt ?? new Date(0).toISOString(), offset), offset };
}

/** How many of the auctioneer's calls are due: 1 ten seconds before the end, 2 five seconds before, else 0. */
function callsDue(auction: AuctionState, left: number, offset: number): 0 | 1 | 2 {
  const running =
    auction.status !== "ended" && left > 0 && Date.parse(auction.startsAt) <= Date.now() + offset;
  if (!running || left > GOING_ONCE_MS) return 0;
  return left <= GOING_TWICE_MS ? 2 : 1;
}

/**
 * The auctioneer's calls, as the last lines of the room's conversation: "Going once…" ten seconds before the
 * end, "Going twice…" five seconds before, none otherwise, so a late bid that moves the end takes them back
 * until the clock comes round again. They are of the moment, drawn here and never stored.
 */
export function AuctionCalls({ auction }: { auction: AuctionState }) {
  const { left, offset } = useAuctionClock(auction);
  return ["Going once…", "Going twice…"].slice(0, callsDue(auction, left, offset)).map((call) => (
    <li key={call} className="system-card auction-card auction-call">
      <span className="system-icon" aria-hidden="true">
        !
      </span>
      <span>{call}</span>
    </li>
  ));
}

/** "2d 3h", "1:05:09", "4:59": how long an auction still runs. */
function timeLeftText(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${mmss(seconds % 3600).padStart(5, "0")}`;
  return mmss(seconds);
}

function standingOf(auction: AuctionState, user: User | null, myMaximum: Money | null): string | null {
  if (!user || !myMaximum) return null;
  if (auction.leader?.id === user.id) return auction.status === "ended" ? "You won" : "You're winning";
  return auction.status === "ended" ? "You were outbid" : "Outbid";
}

/**
 * An auctioned item's box on its page: the price, who leads, the reader's standing and maximum, a bid box
 * suggesting the next valid amount, a countdown on the server's clock that moves with extensions, "going
 * once… going twice" near the end, and the result (with the way to pay for the winner).
 */
export function AuctionPanel({
  item,
  user,
  onItem,
}: {
  item: Item;
  user: User | null;
  onItem(item: Item): void;
}) {
  const auction = item.auction;
  const { socket } = useRealtime();
  const { left, offset } = useAuctionClock(auction);
  const [myMaximum, setMyMaximum] = useState<Money | null>(auction?.yourMaximum ?? null);
  const [amount, setAmount] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const edited = useRef(false);
  const next = auction
    ? nextValidAmount(auction.startingBid.amount, auction.currentPrice?.amount ?? null)
    : 0;
  const leading = auction?.leader?.id === user?.id;

  useEffect(() => {
    if (auction?.yourMaximum) setMyMaximum(auction.yourMaximum);
  }, [auction?.yourMaximum]);
  // The box suggests the next valid amount until the reader types their own.
  useEffect(() => {
    if (!edited.current) setAmount(formatMoneyInput(next, item.price.currency));
  }, [next, item.price.currency]);

  if (!auction) return null;
  const ended = auction.status === "ended" || left === 0;
  const scheduled = auction.status === "scheduled" && Date.parse(auction.startsAt) > Date.now() + offset;
  const standing = standingOf(auction, user, myMaximum);
  const calls = callsDue(auction, left, offset);
  const canBid = user !== null && user.role !== "moderator" && user.id !== item.seller.id;

  const bid = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!socket) return;
    const typed = parseMoneyInput(amount, item.price.currency);
    if (typed.amount === undefined) {
      setError(typed.error);
      return;
    }
    const cents = typed.amount;
    setBusy(true);
    setError(null);
    try {
      const placed = await placeBid(socket, {
        itemId: item.id,
        maxAmount: { amount: cents, currency: item.price.currency },
        clientBidId: newId(),
      });
      setMyMaximum(placed.bid.maxAmount);
      onItem(placed.item);
      edited.current = false;
    } catch (e) {
      setError(e instanceof Error ? e.message : "The bid did not go through; try again");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auction-panel" aria-label="Auction">
      <div className="auction-head">
        <div>
          <span className="muted">{auction.currentPrice ? "Current bid" : "Starting bid"}</span>
          <strong className="auction-price" data-testid="auction-price">
            {formatMoney(auction.currentPrice ?? auction.startingBid)}
          </strong>
          <span className="muted">
            {auction.bidCount} {auction.bidCount === 1 ? "bid" : "bids"}
            {auction.hasReserve && (auction.reserveMet ? " · reserve met" : " · reserve not met yet")}
          </span>
        </div>
        <div className="auction-clock" aria-live="off">
          <span className="muted">{ended ? "Ended" : scheduled ? "Starts" : "Ends in"}</span>
          <strong data-testid="auction-countdown">
            {ended ? "—" : scheduled ? new Date(auction.startsAt).toLocaleString() : timeLeftText(left)}
          </strong>
        </div>
      </div>
      {auction.leader && (
        <p className="auction-leader">
          {ended ? "Highest bidder" : "Leading"}: <strong>{leading ? "you" : auction.leader.username}</strong>
        </p>
      )}
      {standing && (
        <p className={`auction-standing ${leading ? "winning" : "outbid"}`} role="status">
          <strong>{standing}</strong>
          {myMaximum && ` · your maximum ${formatMoney(myMaximum)}`}
        </p>
      )}
      {calls > 0 && (
        <p className="auction-going" role="status" aria-live="assertive">
          {calls === 2 ? "Going once… going twice…" : "Going once…"}
        </p>
      )}
      {ended ? (
        <AuctionResult item={item} auction={auction} user={user} />
      ) : (
        canBid &&
        !scheduled && (
          <form className="bid-form" onSubmit={(event) => void bid(event)}>
            <label htmlFor="bid-amount">Your maximum bid ({item.price.currency.toUpperCase()})</label>
            <div className="bid-row">
              <input
                id="bid-amount"
                inputMode="decimal"
                value={amount}
                onChange={(event) => {
                  edited.current = true;
                  setAmount(event.target.value);
                }}
              />
              <button type="submit" className="button primary" disabled={busy}>
                {leading ? "Raise maximum" : "Place bid"}
              </button>
            </div>
            <p className="muted small">
              {leading
                ? "You lead. Raising your maximum changes nothing others see."
                : `Bid ${formatMoney({ amount: next, currency: item.price.currency })} or more. We bid for you, up to your maximum.`}
            </p>
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
          </form>
        )
      )}
      {!user && !ended && <p className="muted">Sign in to bid.</p>}
    </section>
  );
}

/** The result, and for the winner (and the seller) their deal: pay, or open the sale. */
function AuctionResult({ item, auction, user }: { item: Item; auction: AuctionState; user: User | null }) {
  if (!user) return <AuctionOutcome auction={auction} />;
  return <AuctionOutcomeWithDeal item={item} auction={auction} user={user} />;
}

function AuctionOutcome({ auction }: { auction: AuctionState }) {
  const sold = auction.leader && auction.currentPrice && auction.reserveMet;
  return (
    <p className="auction-result" role="status">
      {sold && auction.currentPrice
        ? `Sold to ${auction.leader?.username} for ${formatMoney(auction.currentPrice)}`
        : auction.currentPrice
          ? "Ended below the reserve: not sold"
          : "Ended without bids"}
    </p>
  );
}

function AuctionOutcomeWithDeal({ item, auction, user }: { item: Item; auction: AuctionState; user: User }) {
  const deal = useItemDeal(item, user);
  const mine = deal && deal.process === "auction" ? deal : null;
  return (
    <>
      <AuctionOutcome auction={auction} />
      {mine?.state === "won" && mine.buyer.id === user.id && (
        <Link href={`/deals/${mine.id}`} className="button primary wide big">
          You won! Pay {formatMoney(mine.total)}
        </Link>
      )}
      {mine && mine.state === "paid" && (
        <Link href={`/deals/${mine.id}`} className="button wide">
          {mine.seller.id === user.id ? "Open the sale" : "Paid · open your purchase"}
        </Link>
      )}
      {mine?.state === "won" && mine.seller.id === user.id && (
        <Link href={`/deals/${mine.id}`} className="button wide">
          Won by {mine.buyer.displayName}: open the deal
        </Link>
      )}
    </>
  );
}
