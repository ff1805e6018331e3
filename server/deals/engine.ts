import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { ProcessDescription, ProcessName } from "../../shared/deals.js";
import { AppError, fieldErrors } from "../../shared/errors.js";
import type { Actor, DealEventBody } from "../../shared/events.js";
import type { Item } from "../../shared/items.js";
import type { Money } from "../../shared/money.js";
import type { PaymentProvider } from "../../shared/payments.js";
import type { User } from "../../shared/users.js";
import type { Db } from "../db/db.js";
import { requireItem } from "../items/service.js";
import type { ItemWrite, Timeline } from "../timeline/timeline.js";
import { dealPolicy } from "./policy.js";
import type { Caller, Durations, EffectName, Process, Transition, TransitionContext } from "./process.js";
import { PROCESSES } from "./processes/index.js";
import { type DealRecord, getDeal, insertDeal, listOpenOffers, setDealState } from "./store.js";
import { cancelTimer, cancelTimers, type DueTimer, scheduleTimer, takeTimer } from "./timers.js";

export type DealEngine = ReturnType<typeof createDealEngine>;

type Deps = {
  db: Db;
  timeline: Timeline;
  durations: Durations;
  /** The marketplace's fee in basis points (`MARKETPLACE_FEE_BPS`), for the ledger's actions. */
  feeBps: number;
  provider: PaymentProvider;
  logger: Logger;
};

const NO_PARAMS = z.strictObject({});
const SYSTEM: Caller = { actor: "system", user: null };

/**
 * Work a deal's timer does that is not a transition (the review window's end): it runs inside a write
 * holding the item's and the deal's locks, once, whichever process claimed the timer.
 */
export type TimerHandler = (write: ItemWrite, deal: DealRecord) => Promise<void>;

/** The deal is waiting for its payment: its process has a `pay` transition from its state. */
export function awaitsPayment(deal: Pick<DealRecord, "process" | "state">): boolean {
  return processOf(deal.process).transitions.some((t) => t.name === "pay" && t.from.includes(deal.state));
}

export function processOf(name: ProcessName): Process {
  const process = PROCESSES[name];
  if (!process) throw new Error(`no process ${name}`);
  return process;
}

/**
 * The transition `name`; of several variants, the one leaving `state`, and of those the first whose
 * params these are (`resolve` refunds or releases by its `outcome`). Failing both, the first variant,
 * whose check or params then refuse.
 */
function transitionOf(process: Process, name: string, state?: string, params?: unknown): Transition {
  const named = process.transitions.filter((t) => t.name === name);
  const leaving = named.filter((t) => state !== undefined && t.from.includes(state));
  const transition =
    leaving.find((t) => (t.params ?? NO_PARAMS).safeParse(params ?? {}).success) ?? leaving[0] ?? named[0];
  if (!transition) throw new AppError("not_found", `No transition "${name}" in ${process.name}`);
  return transition;
}

/** The transition's params, or `bad_request` saying the first thing wrong in words (every field in `details`). */
function paramsOf(transition: Transition, raw: unknown): Record<string, unknown> {
  const parsed = (transition.params ?? NO_PARAMS).safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const details = fieldErrors(parsed.error);
  throw new AppError(
    "bad_request",
    details[0]?.message ?? `Check the details of "${transition.name}"`,
    details,
  );
}

/** The transitions `actor` may take on the deal now, by name (`Deal.transitions`). */
export function transitionsFor(deal: DealRecord, actor: Actor | null): string[] {
  const open = processOf(deal.process).transitions.filter(
    (t) => t.actor === actor && t.from.includes(deal.state) && (t.when?.holds(deal) ?? true),
  );
  return [...new Set(open.map((t) => t.name))];
}

/**
 * The deal engine: runs processes (deals/processes/*.ts) as data. Every transition, whoever takes it
 * (a party over HTTP, a timer, the processor's report), goes through `run`, inside one transaction on
 * the deal's item (item row, then deal row locked): checks, guards, actions, the new state, a
 * `custom:deal` event in the deal's thread, timers reset, an outbox entry. After commit: publishes,
 * processor calls (named effects).
 */
export function createDealEngine(deps: Deps) {
  const { db, timeline, durations, provider, logger } = deps;
  const effects = new Map<EffectName, (paymentId: string) => Promise<void>>();
  const timerHandlers = new Map<string, TimerHandler>();

  async function run(
    write: ItemWrite,
    item: Item,
    deal: DealRecord,
    transition: Transition,
    caller: Caller,
    rawParams: unknown,
  ): Promise<DealRecord> {
    const process = processOf(deal.process);
    const params = paramsOf(transition, rawParams);
    const from = transition.from.length === 0 ? null : deal.state;
    const ctx: TransitionContext = {
      write,
      item,
      deal,
      caller,
      params,
      durations,
      feeBps: deps.feeBps,
      provider,
      after: (name, paymentId) =>
        write.afterCommit(async () => {
          try {
            await effects.get(name)?.(paymentId);
          } catch (error) {
            logger.warn({ err: error, effect: name, paymentId }, "after-commit effect failed");
          }
        }),
      cascade: async (dealId, name, cascadeParams) => {
        const other = await getDeal(write.tx, dealId, { forUpdate: true });
        if (!other || other.itemId !== item.id) throw new Error(`deal ${dealId} is not on item ${item.id}`);
        await apply(write, item, other, name, SYSTEM, cascadeParams);
      },
    };
    for (const guard of transition.guards ?? []) await guard(ctx);
    // The timers of the state being left go first, so an action may set one of its own (the review window).
    await cancelTimers(write.tx, deal.id);
    for (const action of transition.actions) await action(ctx);
    await setDealState(write.tx, deal.id, transition.to);
    // An address lives on the deal, shown to the seller only once paid; the thread never carries it.
    const { shippingAddress: _address, ...shown } = params;
    const body: DealEventBody = {
      transition: transition.name,
      from,
      to: transition.to,
      by: caller.actor,
      ...(Object.keys(shown).length > 0 ? { params: shown } : {}),
    };
    await write.appendToThread(deal.id, { type: "custom:deal", author: null, body });
    for (const timed of process.transitions) {
      if (timed.after && timed.from.includes(transition.to) && (timed.when?.holds(ctx.deal) ?? true)) {
        await scheduleTimer(write.tx, {
          id: randomUUID(),
          dealId: deal.id,
          transition: timed.name,
          seconds: durations[timed.after],
        });
      }
    }
    const updated = await getDeal(write.tx, deal.id);
    if (!updated) throw new Error(`deal ${deal.id} vanished`);
    // Named after the state reached (`deal.paid`, `deal.expired`), as the feed's types are. Params stay
    // in the private thread: the outbox feeds integrations, and params may carry an address.
    await write.announce({
      type: `deal.${transition.to}`,
      resource: { type: "deal", id: deal.id },
      data: {
        transition: transition.name,
        from,
        to: transition.to,
        by: caller.actor,
        itemId: deal.itemId,
        buyerId: deal.buyer.id,
        sellerId: deal.seller.id,
        // The terms after the transition (an operator's accounting follows sales by these).
        quantity: updated.quantity,
        unitPrice: updated.unitPrice,
        shipping: updated.shipping ? { name: updated.shipping.name, cost: updated.shipping.cost } : null,
        total: updated.total,
      },
    });
    return updated;
  }

  /** Checks the transition is allowed now (state: 409 `invalid_transition`) and to this caller (403). */
  function check(deal: DealRecord, transition: Transition, caller: Caller): void {
    if (!transition.from.includes(deal.state) || !(transition.when?.holds(deal) ?? true)) {
      throw new AppError(
        "invalid_transition",
        `This deal is ${deal.state}; "${transition.name}" is not possible now`,
      );
    }
    if (transition.actor !== caller.actor) {
      throw new AppError(
        "forbidden",
        transition.actor === "system"
          ? `"${transition.name}" happens by itself`
          : `Only the ${transition.actor} may ${transition.name} this deal`,
      );
    }
  }

  /** Inside a write holding the item and deal locks: takes `name` if it is allowed. */
  async function apply(
    write: ItemWrite,
    item: Item,
    deal: DealRecord,
    name: string,
    caller: Caller,
    params?: unknown,
  ): Promise<DealRecord> {
    const transition = transitionOf(processOf(deal.process), name, deal.state, params);
    check(deal, transition, caller);
    return run(write, item, deal, transition, caller, params);
  }

  /**
   * Fires the deal's pending timer for `name` now if there is one (a request found it overdue before the
   * sweeper did); null if it fired or was canceled already. Inside a write holding the item and deal locks.
   */
  async function fireNow(
    write: ItemWrite,
    item: Item,
    deal: DealRecord,
    name: string,
  ): Promise<DealRecord | null> {
    if (!(await takeTimer(write.tx, deal.id, name))) return null;
    const handler = timerHandlers.get(name);
    if (!handler) return apply(write, item, deal, name, SYSTEM);
    await handler(write, deal);
    return deal;
  }

  return {
    /** Named after-commit work (processor calls); the payments domain registers its own. */
    onEffect(name: EffectName, handler: (paymentId: string) => Promise<void>): void {
      effects.set(name, handler);
    },

    /** A deal timer named `name` that is not a transition runs `handler` (reviews register the window's end). */
    onTimer(name: string, handler: TimerHandler): void {
      timerHandlers.set(name, handler);
    },

    /** Every process, as data (`GET /api/processes`). */
    describe(): ProcessDescription[] {
      return Object.values(PROCESSES).map((process) => ({
        name: process.name,
        states: process.states,
        terminal: process.terminal,
        transitions: process.transitions.map((t) => ({
          name: t.name,
          from: t.from,
          to: t.to,
          actor: t.actor,
          ...(t.params
            ? {
                params: z.toJSONSchema(t.params, { io: "input", unrepresentable: "any" }) as Record<
                  string,
                  unknown
                >,
              }
            : {}),
          ...(t.after ? { afterSeconds: durations[t.after] } : {}),
          ...(t.when ? { when: t.when.name } : {}),
        })),
      }));
    },

    /**
     * Starts a deal on the locked item with the process's start transition: the caller becomes the
     * buyer. Inside a write on the item.
     */
    async start(
      write: ItemWrite,
      item: Item,
      processName: ProcessName,
      name: string,
      buyer: User,
      params?: unknown,
      /** A deal the system starts (an auction's winner) at its own price; by default the buyer, at the item's. */
      options: { system?: boolean; unitPrice?: Money } = {},
    ): Promise<DealRecord> {
      const transition = transitionOf(processOf(processName), name);
      if (transition.from.length > 0) throw new Error(`${name} does not start a ${processName} deal`);
      const id = randomUUID();
      await insertDeal(write.tx, {
        id,
        itemId: item.id,
        process: processName,
        state: transition.to,
        buyerId: buyer.id,
        sellerId: item.seller.id,
        quantity: 1,
        unitPrice: options.unitPrice ?? item.price,
      });
      const deal = await getDeal(write.tx, id, { forUpdate: true });
      if (!deal) throw new Error(`deal ${id} vanished`);
      const caller: Caller = options.system
        ? { actor: "system", user: null }
        : { actor: "buyer", user: buyer };
      return run(write, item, deal, transition, caller, params);
    },

    apply,

    /**
     * Ends the item's open offer deals (`close`: `declined` by the system, with the reason) inside a write
     * holding the item's lock: the item was removed (the seller's withdrawal or a moderator's removal).
     */
    async closeOffers(write: ItemWrite, item: Item, reason: string): Promise<void> {
      for (const id of await listOpenOffers(write.tx, item.id)) {
        const deal = await getDeal(write.tx, id, { forUpdate: true });
        if (deal) await apply(write, item, deal, "close", SYSTEM, { reason });
      }
    },

    /** A party's (or a moderator's) transition over HTTP. Outsiders get 404: the deal is private. */
    async transition(dealId: string, name: string, user: User, params: unknown): Promise<DealRecord> {
      const known = await getDeal(db, dealId);
      const actor = known && dealPolicy.partyOf(user, known);
      if (!known || !actor) throw new AppError("not_found", "No such deal");
      return timeline.write(known.itemId, async (write) => {
        const item = await requireItem(write.tx, known.itemId, true);
        const deal = await getDeal(write.tx, dealId, { forUpdate: true });
        if (!deal) throw new AppError("not_found", "No such deal");
        return apply(write, item, deal, name, { actor, user }, params);
      });
    },

    /** A due timer, claimed by a sweeper: fires it unless it fired (or was canceled) meanwhile. */
    async fire(timer: DueTimer): Promise<boolean> {
      const known = timer.dealId ? await getDeal(db, timer.dealId) : null;
      if (!known) return false;
      try {
        const fired = await timeline.write(known.itemId, async (write) => {
          const item = await requireItem(write.tx, known.itemId, true);
          const deal = await getDeal(write.tx, known.id, { forUpdate: true });
          if (!deal) return null;
          return fireNow(write, item, deal, timer.transition);
        });
        return fired !== null;
      } catch (error) {
        // A refusal (the process no longer allows it) will not change by retrying: the timer is retired.
        // Anything else (the database away) leaves it claimed, to be retried when the claim runs out.
        if (!(error instanceof AppError)) throw error;
        logger.warn({ err: error, timer }, "timer refused by its transition; canceled");
        await cancelTimer(db, timer.id);
        return false;
      }
    },
  };
}
