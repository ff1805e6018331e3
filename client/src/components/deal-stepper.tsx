import { useEffect, useState } from "react";
import type { Deal, ProcessDescription } from "../../../shared/deals.js";
import { api } from "../api/http.js";
import { stateLabel } from "../state/deal-words.js";

/** The states of the way a deal usually goes; the others (canceled, expired, refunded, …) end it early. */
const MAIN_PATH = new Set([
  "offered",
  "countered",
  "accepted",
  "won",
  "reserved",
  "paid",
  "shipped",
  "completed",
]);

type Step = { state: string; status: "done" | "current" | "next" | "ended" };

/**
 * The steps to show: the process's main path in its own order (`GET /api/processes`), done up to
 * where the deal is (`current`); a deal that left the path ends with the state it is in.
 */
export function dealSteps(
  current: string,
  process: ProcessDescription | null,
  visited: ReadonlySet<string>,
  /** Whether the order is shipped (a shipping option); a pickup skips `shipped` unless it happened. */
  shipped = true,
): Step[] {
  const optional = (state: string) => state === "countered" || (state === "shipped" && !shipped);
  const path = (process?.states ?? [...visited]).filter(
    (state) => MAIN_PATH.has(state) && (!optional(state) || visited.has(state)),
  );
  const here = path.indexOf(current);
  if (here >= 0) {
    return path.map((state, index) => ({
      state,
      status:
        index < here
          ? "done"
          : index === here
            ? process?.terminal.includes(state)
              ? "done"
              : "current"
            : "next",
    }));
  }
  // Off the path: the steps it passed, then where it ended.
  const passed = path.filter((state) => visited.has(state));
  return [
    ...passed.map((state): Step => ({ state, status: "done" })),
    { state: current, status: process?.terminal.includes(current) ? "ended" : "current" },
  ];
}

/** The deal's state as a row of steps. */
export function DealStepper({ deal, visited }: { deal: Deal; visited: ReadonlySet<string> }) {
  const [process, setProcess] = useState<ProcessDescription | null>(null);
  useEffect(() => {
    api.processes().then(
      ({ processes }) => setProcess(processes.find((p) => p.name === deal.process) ?? null),
      () => setProcess(null),
    );
  }, [deal.process]);
  const steps = dealSteps(deal.state, process, visited, deal.shipping !== null);
  return (
    <ol className="stepper" aria-label="Progress of this deal">
      {steps.map((step) => (
        <li
          key={step.state}
          className={`step step-${step.status}`}
          aria-current={step.state === deal.state ? "step" : undefined}
        >
          <span className="step-dot" aria-hidden="true">
            {step.status === "done" ? "✓" : step.status === "ended" ? "✕" : ""}
          </span>
          <span className="step-label">{stateLabel(step.state)}</span>
        </li>
      ))}
    </ol>
  );
}
