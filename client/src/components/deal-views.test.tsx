import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { Deal, ProcessDescription } from "../../../shared/deals.js";
import { type DealEvent, ZDealEvent } from "../../../shared/events.js";
import type { User } from "../../../shared/users.js";
import { fulfilmentDeadline } from "../state/deal-words.js";
import { dayTime } from "../state/time.js";
import { dealSteps } from "./deal-stepper.js";
import { EventView, eventSummary } from "./event-registry.js";

const me: User = {
  id: "00000000-0000-4000-8000-000000000001",
  username: "noor",
  displayName: "Noor",
  role: "seller",
  createdAt: "2026-12-02T10:00:00.000Z",
};

const event = (type: string, body: Record<string, unknown>, seq = 1): DealEvent =>
  ZDealEvent.parse({
    dealId: "00000000-0000-4000-8000-0000000000d1",
    seq,
    type,
    author: null,
    body,
    createdAt: "2026-12-02T10:00:00.000Z",
  });

const draw = (e: DealEvent) => renderToStaticMarkup(<EventView event={e} me={me} />);

describe("the event registry", () => {
  it("draws a deal's transition by the state it reached, and says it in one line", () => {
    const expired = event("custom:deal", {
      transition: "expire",
      from: "reserved",
      to: "expired",
      by: "system",
    });
    expect(draw(expired)).toContain("The reservation ended: it was not paid in time");
    expect(draw(expired)).toContain("deal-expired");
    expect(eventSummary(expired)).toEqual({
      text: "The reservation ended: it was not paid in time",
      system: true,
    });
  });

  it("says 'you' to the buyer of a failed payment in the thread", () => {
    const failed = event("custom:payment", {
      paymentId: "00000000-0000-4000-8000-0000000000a1",
      status: "failed",
      amount: { amount: 8500, currency: "usd" },
      buyer: { id: me.id, username: "noor" },
      provider: "simulated",
      failureCode: "card_declined",
    });
    expect(draw(failed)).toContain("A payment by you did not go through: the card was declined");
    expect(eventSummary(failed).text).toBe("A payment by noor did not go through: the card was declined");
  });

  it("ignores types it does not know", () => {
    const future = event("custom:future_kind", { rating: 5 });
    expect(draw(future)).toBe("");
  });

  it("says a review was written without what it says, and when both are published", () => {
    expect(draw(event("custom:review", { action: "written", role: "buyer" }))).toContain(
      "reviewed this deal",
    );
    expect(draw(event("custom:review", { action: "published" }))).toContain("Both reviews are published");
  });
});

describe("the deal stepper", () => {
  const buyNow: ProcessDescription = {
    name: "buy-now",
    states: ["reserved", "paid", "canceled", "expired"],
    terminal: ["canceled", "expired"],
    transitions: [],
  };

  it("walks the main path in the process's order", () => {
    expect(dealSteps("reserved", buyNow, new Set(["reserved"]))).toEqual([
      { state: "reserved", status: "current" },
      { state: "paid", status: "next" },
    ]);
    expect(dealSteps("paid", buyNow, new Set(["reserved", "paid"]))).toEqual([
      { state: "reserved", status: "done" },
      { state: "paid", status: "current" },
    ]);
  });

  it("ends early with the state a deal left the path for", () => {
    expect(dealSteps("expired", buyNow, new Set(["reserved", "expired"]))).toEqual([
      { state: "reserved", status: "done" },
      { state: "expired", status: "ended" },
    ]);
  });

  const withFulfilment: ProcessDescription = {
    name: "buy-now",
    states: ["reserved", "paid", "shipped", "completed", "disputed", "refunded", "canceled", "expired"],
    terminal: ["completed", "refunded", "canceled", "expired"],
    transitions: [],
  };

  it("runs to the end after payment: shipped, then completed; a pickup skips shipped", () => {
    expect(dealSteps("shipped", withFulfilment, new Set(["reserved", "paid", "shipped"]))).toEqual([
      { state: "reserved", status: "done" },
      { state: "paid", status: "done" },
      { state: "shipped", status: "current" },
      { state: "completed", status: "next" },
    ]);
    expect(
      dealSteps("paid", withFulfilment, new Set(["reserved", "paid"]), false).map((s) => s.state),
    ).toEqual(["reserved", "paid", "completed"]);
    expect(
      dealSteps("completed", withFulfilment, new Set(["reserved", "paid", "completed"]), false).at(-1),
    ).toEqual({
      state: "completed",
      status: "done",
    });
  });

  it("shows a dispute as where the order stands, and a refund as where it ended", () => {
    const visited = new Set(["reserved", "paid", "shipped", "disputed"]);
    expect(dealSteps("disputed", withFulfilment, visited).at(-1)).toEqual({
      state: "disputed",
      status: "current",
    });
    expect(
      dealSteps("refunded", withFulfilment, new Set([...visited, "refunded"])).map((s) => s.status),
    ).toEqual(["done", "done", "done", "ended"]);
  });
});

describe("fulfilment words", () => {
  const at = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const deal = (state: string, shipping: boolean) =>
    ({
      state,
      nextDeadline: at,
      shipping: shipping ? { optionId: "post", name: "Post", cost: { amount: 500, currency: "usd" } } : null,
      seller: { id: me.id, username: "sam", displayName: "Sam" },
    }) as unknown as Deal;

  it("says the next timer for each side: ship by, refunded if not, completes by itself", () => {
    expect(fulfilmentDeadline(deal("paid", true), "seller")).toMatch(
      /^Ship by .+, or the order is canceled and refunded$/,
    );
    expect(fulfilmentDeadline(deal("paid", true), "buyer")).toMatch(
      /^Sam ships by .+; if not, you are refunded in full$/,
    );
    expect(fulfilmentDeadline(deal("paid", false), "buyer")).toMatch(
      /^Completes by itself .+ unless you report a problem$/,
    );
    expect(fulfilmentDeadline(deal("shipped", true), "buyer")).toMatch(/it completes by itself/);
    expect(fulfilmentDeadline(deal("disputed", true), "buyer")).toBeNull();
    // Two days away reads as a weekday and a time ("Tue 14:00"), not a date.
    expect(dayTime(at)).not.toMatch(/\d{4}/);
  });
});
