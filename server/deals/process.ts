import type { z } from "zod";
import type { ProcessName } from "../../shared/deals.js";
import type { Actor } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { PaymentProvider } from "../../shared/payments.js";
import type { User } from "../../shared/users.js";
import type { ItemWrite } from "../timeline/timeline.js";
import type { DealRecord } from "./store.js";

/** The durations a timer may wait, named after their configuration (see config.ts). */
export type Durations = {
  checkoutHoldSeconds: number;
  offerTtlSeconds: number;
  auctionPaymentSeconds: number;
  /** A shipped order (or a paid one with nothing to ship) completes by itself after this long. */
  autoCompleteSeconds: number;
  /** A paid order with a shipping option not shipped by then is canceled and refunded. */
  shipBySeconds: number;
  /** How long after completion the parties may review (the review window's timer). */
  reviewWindowSeconds: number;
};

/** Work the engine runs after commit, by name; the payments domain registers the processor calls. */
export type EffectName = "payment.open_charge" | "payment.cancel_charge" | "payment.refund";

/** Who takes a transition: a party of the deal (with the user) or the system (timers, the processor). */
export type Caller = { actor: Exclude<Actor, "system">; user: User } | { actor: "system"; user: null };

/** What an action or a guard sees: the locked item and deal, the caller, the validated params. */
export type TransitionContext = {
  write: ItemWrite;
  item: Item;
  /** The deal as locked before the transition (its `state` is still the from-state). */
  deal: DealRecord;
  caller: Caller;
  params: Record<string, unknown>;
  durations: Durations;
  /** The marketplace's fee on a sale, in basis points of the total (`MARKETPLACE_FEE_BPS`). */
  feeBps: number;
  /** The configured card processor, for new payments. */
  provider: PaymentProvider;
  /** Runs a named effect after commit (processor calls); idempotent on its side. */
  after(effect: EffectName, paymentId: string): void;
  /**
   * Takes a system transition on another deal of the same item, in this transaction (its row locked
   * after this one's): a sale ends the item's open offers.
   */
  cascade(dealId: string, name: string, params?: Record<string, unknown>): Promise<void>;
};

/** A small step inside the transaction: reserve the item, open a payment, sell, … */
export type Action = (ctx: TransitionContext) => Promise<void>;

/** Throws an `AppError` to refuse (nothing changes); returns to allow. */
export type Guard = (ctx: TransitionContext) => void | Promise<void>;

/**
 * One transition. A name may appear more than once with disjoint `from` states (an offer's `counter` is
 * the seller's on `offered` and the buyer's on `countered`): the deal's state picks the variant.
 */
export type Transition = {
  name: string;
  /** The states it leaves; empty for the transition that starts a deal. */
  from: string[];
  to: string;
  actor: Actor;
  /** Its params (the HTTP body); absent means it takes none. */
  params?: z.ZodType<Record<string, unknown>>;
  guards?: Guard[];
  /** Run in order, inside the transaction. */
  actions: Action[];
  /** A system transition fired by a timer this long after entering one of its `from` states. */
  after?: keyof Durations;
  /**
   * The transition exists only for deals this holds for (checked before the state's timers are scheduled
   * and again when one fires): `auto-cancel` only when something is to be shipped.
   */
  when?: Condition;
};

/** A named test of the deal as it is at the transition (`GET /api/processes` shows the name). */
export type Condition = { name: string; holds(deal: DealRecord): boolean };

/** A process: read top to bottom, it is the whole life of a deal of its kind. */
export type Process = {
  name: ProcessName;
  states: string[];
  terminal: string[];
  transitions: Transition[];
};
