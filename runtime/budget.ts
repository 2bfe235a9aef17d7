/**
 * Team budgets. Periods are calendar periods in UTC: a day starts at midnight, a week on
 * Monday 00:00 (ISO 8601), a month on the 1st at 00:00. Each budgeted team has one in-memory
 * counter for the current period, loaded at start-up from the spend store and increased after
 * each request; it rolls over when the clock passes the precomputed end of the period.
 */
import type { CompiledBudget } from "../contract/bundle.ts";
import { formatUsd } from "./cost.ts";
import { GatewayError } from "./errors.ts";
import type { Clock, SpendStore } from "./ports.ts";

type BudgetPeriod = CompiledBudget["period"];

const dayMs = 86_400_000;

/** Start (inclusive) of the period containing `now`, in Unix ms. */
export function periodStart(period: BudgetPeriod, now: number): number {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (period === "month") return Date.UTC(year, month, 1);
  const dayStart = Date.UTC(year, month, date.getUTCDate());
  if (period === "day") return dayStart;
  const daysSinceMonday = (date.getUTCDay() + 6) % 7;
  return dayStart - daysSinceMonday * dayMs;
}

/** Start of the period after the one containing `now`. */
export function periodEnd(period: BudgetPeriod, now: number): number {
  const start = periodStart(period, now);
  if (period === "day") return start + dayMs;
  if (period === "week") return start + 7 * dayMs;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

interface TeamCounter {
  readonly team: string;
  readonly budget: CompiledBudget;
  start: number;
  end: number;
  spentUsd: number;
}

export interface BudgetTracker {
  /** Resolves once the counters hold the store's spend for the current periods. */
  readonly loaded: Promise<void>;
  /** True once `loaded` has resolved (lets the request path skip an await). */
  isLoaded(): boolean;
  /** Whether the team has a budget at all. */
  has(team: string): boolean;
  /** null when the team may spend; else the 429 to answer with. */
  check(team: string): GatewayError | null;
  /** Count a request's cost against its team; `timestamp` is when the request arrived. */
  add(team: string, costUsd: number, timestamp: number): void;
  /** Spend counted in the team's current period (0 for a team without a budget). */
  spent(team: string): number;
}

/** Counters start loading from `store` at once; `loaded` rejects if the store fails. */
export function createBudgetTracker(budgets: ReadonlyMap<string, CompiledBudget>, store: SpendStore, clock: Clock): BudgetTracker {
  const counters = new Map<string, TeamCounter>();
  const now = clock.now();
  for (const [team, budget] of budgets) {
    counters.set(team, { team, budget, start: periodStart(budget.period, now), end: periodEnd(budget.period, now), spentUsd: 0 });
  }

  const roll = (counter: TeamCounter, at: number): void => {
    if (at < counter.end) return;
    counter.start = periodStart(counter.budget.period, at);
    counter.end = periodEnd(counter.budget.period, at);
    counter.spentUsd = 0;
  };

  let isLoaded = counters.size === 0;
  const loaded =
    counters.size === 0
      ? Promise.resolve()
      : Promise.all(
          [...counters.values()].map(async (counter) => {
            const start = counter.start;
            const spent = await store.teamSpendSince(counter.team, start);
            // Anything added while loading belongs to the same period only if no roll-over happened.
            if (counter.start === start) counter.spentUsd += spent;
          }),
        ).then(() => {
          isLoaded = true;
        });
  // Callers observe failures through `loaded`; avoid an unhandled rejection before they do.
  loaded.catch(() => {});

  return {
    loaded,
    isLoaded: () => isLoaded,
    has: (team) => counters.has(team),
    check(team) {
      const counter = counters.get(team);
      if (counter === undefined) return null;
      roll(counter, clock.now());
      if (counter.spentUsd < counter.budget.usd) return null;
      return budgetExceeded(counter);
    },
    add(team, costUsd, timestamp) {
      const counter = counters.get(team);
      if (counter === undefined || costUsd === 0) return;
      roll(counter, clock.now());
      if (timestamp >= counter.start) counter.spentUsd += costUsd;
    },
    spent: (team) => counters.get(team)?.spentUsd ?? 0,
  };
}

const periodNames: Record<BudgetPeriod, string> = { day: "today", week: "this week", month: "this month" };
const periodAdjectives: Record<BudgetPeriod, string> = { day: "daily", week: "weekly", month: "monthly" };

function budgetExceeded(counter: TeamCounter): GatewayError {
  const resets = new Date(counter.end).toISOString().replace(".000Z", "Z");
  return new GatewayError({
    status: 429,
    type: "rate_limit_error",
    code: "budget_exceeded",
    retryable: false,
    message:
      `Team "${counter.team}" has spent ${formatUsd(counter.spentUsd)} of its ${formatUsd(counter.budget.usd)} budget ` +
      `for ${periodNames[counter.budget.period]} (${periodAdjectives[counter.budget.period]} budget, resets ${resets}). ` +
      `Wait for the reset or ask the gateway's operator to raise the team's budget.`,
  });
}
