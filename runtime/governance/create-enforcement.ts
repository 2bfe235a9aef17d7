/**
 * Builds the one Enforcement of a gateway (limits and budgets of every key, team, user and
 * customer): in-process counters by default, the cluster-wide ones (Redis) when given, budget
 * periods in the configured time zone, and counters seeded from the recorded spend.
 */
import type { SubjectSpendSource } from "../budgets/budget-seeding.ts";
import { createBudgetSeeding } from "../budgets/budget-seeding.ts";
import { createBudgetPeriods } from "../budgets/budget-period.ts";
import type { Enforcement } from "./enforcement.ts";
import type { GovernanceCache } from "./governance-cache.ts";
import { createMemoryBudgetLedger } from "../stores/memory/memory-budget-ledger.ts";
import { createMemoryRateLimiter } from "../stores/memory/memory-rate-limiter.ts";
import type { BudgetLedger, RateLimiter, Subject } from "../stores/ports.ts";

export interface EnforcementOptions {
  /** Keys, teams, users and customers (the config's and the managed ones). */
  cache: GovernanceCache;
  /** Recorded spend (SpendStore.subjectSpendSince), loaded into the counters; absent: counters start at 0. */
  spendSource?: SubjectSpendSource;
  /** Cluster-wide limits and budgets; in-process ones by default. */
  limiter?: RateLimiter;
  ledger?: BudgetLedger;
  /** IANA zone of budget periods. Default "UTC". */
  timeZone?: string;
  /** Refuse budgeted requests whose spend cannot be counted cluster-wide (Enforcement.failClosed). */
  failClosed?: boolean;
  log: (message: string) => void;
  alert?: (subject: Subject, spentUsd: number, softBudgetUsd: number) => void;
}

export function createEnforcement(options: EnforcementOptions): Enforcement {
  const ledger = options.ledger ?? createMemoryBudgetLedger();
  const seeding = options.spendSource === undefined ? undefined : createBudgetSeeding({ source: options.spendSource, ledger, log: options.log });
  return {
    limiter: options.limiter ?? createMemoryRateLimiter(),
    ledger,
    periods: createBudgetPeriods(options.timeZone),
    cache: options.cache,
    log: options.log,
    ...(seeding === undefined ? {} : { seeding }),
    ...(options.alert === undefined ? {} : { alert: options.alert }),
    ...(options.failClosed === true ? { failClosed: true } : {}),
  };
}
