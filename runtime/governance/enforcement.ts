/**
 * Rate limits and budgets on the request path: the one mechanism for every key, team, user and
 * customer, whether declared in the config (read-only entities, config-entities.ts) or created
 * through the admin API. Built by createEnforcement (create-enforcement.ts).
 *
 * Subjects of a request: its key (managed or declared in the config: its rpm/tpm/parallel limits
 * and budget), the key's team and user (when they exist in the governance cache), and the
 * customer named by the request's `user` field (when a managed customer with that id exists).
 *
 * Order: `limiter.acquire` (estimated prompt + output tokens), then `ledger.reserve` (worst-case
 * cost, capped at what is left: budget-rules.ts); a refused reservation releases the rate-limit
 * ticket at once. When the request ends (response built, stream ended, failed, client gone,
 * exception) `finish` runs exactly once: `ledger.settle` with the real cost (or `release` when
 * nothing was spent) and `limiter.release` with the real tokens. Neither waits on the response.
 *
 * Worst-case price: the component-wise maximum of the prices of every deployment the request
 * may end on (the model's deployments and those of its fallbacks), so a fallback to a dearer
 * model stays within the reservation; only the attempt that succeeds is charged. Deployments
 * without a price cost 0 (as recorded).
 *
 * Fail closed (`failClosed`): a request with a hard budget is refused (503) when gw cannot count
 * its spend cluster-wide: its recorded spend could not be read, or Redis is unreachable.
 *
 * Fast path: callers without a key known to the cache and without a managed customer, and keys
 * whose key, team and user have no limit and no budget, cost a WeakMap/Map lookup: no await, no
 * allocation.
 */
import { formatUsd } from "../spend/cost.ts";
import { GatewayError } from "../http/errors.ts";
import type { TokenUsage } from "../http/openai-types.ts";
import type { Caller, RuntimePlan, RuntimeRoute, TokenPrice } from "../start/plan.ts";
import type { BudgetPeriods } from "../budgets/budget-period.ts";
import type { BudgetSeeding } from "../budgets/budget-seeding.ts";
import type { CostEstimate } from "../spend/cost-estimate.ts";
import type { GovernanceCache } from "./governance-cache.ts";
import { managedKeyOf } from "../auth/managed-callers.ts";
import { subjectName } from "../limits/rate-limit-rules.ts";
import type {
  BudgetLedger,
  BudgetSettings,
  EntityBase,
  LimitDecision,
  LimitSettings,
  ManagedKey,
  ReservationDecision,
  ManagedTeam,
  ManagedUser,
  RateLimiter,
  Subject,
} from "../stores/ports.ts";

export interface Enforcement {
  limiter: RateLimiter;
  ledger: BudgetLedger;
  /** Budget periods in the configured time zone. */
  periods: BudgetPeriods;
  cache: GovernanceCache;
  /**
   * Called once per subject and period when its soft budget is crossed (e.g. a webhook POST).
   * Must not throw; it is not awaited.
   */
  alert?: (subject: Subject, spentUsd: number, softBudgetUsd: number) => void;
  /** Server log lines (soft budget crossings, limiter/ledger failures). Default: stderr. */
  log?: (message: string) => void;
  /**
   * Loads each budgeted subject's recorded spend into the ledger the first time it is admitted in
   * a period (budget-seeding.ts), so budgets survive a restart. Without it, counters start at 0.
   */
  seeding?: BudgetSeeding;
  /**
   * Refuse (503 budget_unavailable) a request with a hard budget when its spend cannot be counted
   * cluster-wide (recorded spend unreadable; the ledger says so by refusing without `exceeded`).
   * Default false: such requests are admitted on this process's counters.
   */
  failClosed?: boolean;
}

type LimitEntry = { subject: Subject; limits: LimitSettings };
/** `recordedAs`: the subject's id in the spend store (the key hash prefix for keys). */
type BudgetEntry = { subject: Subject; budget: BudgetSettings; recordedAs: string };

/** What applies to a request, before its periods are resolved. */
export interface Applicable {
  limits: readonly LimitEntry[];
  budgets: readonly BudgetEntry[];
  /** Display names by `kind:id` (subjectName), for messages: backends may return equal, not identical, subjects. */
  names: ReadonlyMap<string, string>;
}

/** A refused request: the 429 (or 503) to answer with and its x-ratelimit-* / Retry-After headers. Nothing is held. */
export interface Refusal {
  readonly error: GatewayError;
  readonly headers: Record<string, string>;
}

/** An admitted request's hold on limits and budgets; `finish` is idempotent. */
export interface EnforcementTicket {
  /** The rate-limit decision, for the x-ratelimit-* headers; null when no rate limit applies. */
  readonly decision: LimitDecision | null;
  /** Settle with the real cost and tokens (null usage: nothing was spent). Runs once; never throws. */
  finish(costUsd: number, usage: TokenUsage | null): void;
}

function hasLimits(entity: LimitSettings): boolean {
  return entity.rpmLimit !== null || entity.tpmLimit !== null || entity.maxParallelRequests !== null;
}

function hasBudget(entity: BudgetSettings): boolean {
  return entity.maxBudget !== null || entity.softBudget !== null;
}

function addSubject(
  target: { limits: LimitEntry[]; budgets: BudgetEntry[]; names: Map<string, string> },
  subject: Subject,
  entity: EntityBase,
  name: string,
  recordedAs: string = subject.id,
): void {
  const limited = hasLimits(entity);
  const budgeted = hasBudget(entity);
  if (!limited && !budgeted) return;
  target.names.set(subjectName(subject), name);
  if (limited) target.limits.push({ subject, limits: entity });
  if (budgeted) target.budgets.push({ subject, budget: entity, recordedAs });
}

interface KeyProfile {
  team: ManagedTeam | null;
  user: ManagedUser | null;
  applicable: Applicable | null;
}

function keyApplicable(key: ManagedKey, team: ManagedTeam | null, user: ManagedUser | null): Applicable | null {
  const target = { limits: [] as LimitEntry[], budgets: [] as BudgetEntry[], names: new Map<string, string>() };
  addSubject(target, { kind: "key", id: key.keyId }, key, `Key "${key.keyAlias ?? key.keyId}"`, key.keyHash.slice(0, 12));
  if (team !== null) addSubject(target, { kind: "team", id: team.teamId }, team, `Team "${team.teamAlias ?? team.teamId}"`);
  if (user !== null) addSubject(target, { kind: "user", id: user.userId }, user, `User "${user.userEmail ?? user.userId}"`);
  if (target.limits.length === 0 && target.budgets.length === 0) return null;
  return target;
}

function joinApplicable(first: Applicable | null, second: Applicable | null): Applicable | null {
  if (first === null) return second;
  if (second === null) return first;
  return {
    limits: [...first.limits, ...second.limits],
    budgets: [...first.budgets, ...second.budgets],
    names: new Map([...first.names, ...second.names]),
  };
}

/** Component-wise maximum price over the deployments of `route` and of its fallbacks; null when none is priced. */
function worstPrice(plan: RuntimePlan, route: RuntimeRoute): TokenPrice | null {
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let priced = false;
  const routes: RuntimeRoute[] = [route];
  for (const name of route.fallbacks) {
    const fallback = plan.routes.get(name);
    if (fallback !== undefined) routes.push(fallback);
  }
  for (const each of routes) {
    for (const target of each.deployments) {
      const price = target.price;
      if (price === null) continue;
      priced = true;
      input = Math.max(input, price.input);
      output = Math.max(output, price.output);
      cacheRead = Math.max(cacheRead, price.cacheRead);
      cacheWrite = Math.max(cacheWrite, price.cacheWrite);
    }
  }
  return priced ? { input, output, cacheRead, cacheWrite } : null;
}

function hasHardLimit(entry: { budget: BudgetSettings }): boolean {
  return entry.budget.maxBudget !== null;
}

function usedTokens(usage: TokenUsage | null): number {
  return usage === null ? 0 : usage.inputTokens + usage.outputTokens;
}

function rateLimited(decision: LimitDecision, names: ReadonlyMap<string, string>): GatewayError {
  const limitedBy = decision.limitedBy;
  const who = limitedBy === undefined ? "This caller" : (names.get(subjectName(limitedBy.subject)) ?? `${limitedBy.subject.kind} "${limitedBy.subject.id}"`);
  const what =
    limitedBy === undefined
      ? "a rate limit"
      : limitedBy.limit === "rpm"
        ? `its limit of ${limitedBy.value} requests per minute`
        : limitedBy.limit === "tpm"
          ? `its limit of ${limitedBy.value} tokens per minute`
          : `its limit of ${limitedBy.value} parallel requests`;
  const retrySeconds = Math.max(1, Math.ceil((decision.retryAfterMs ?? 1000) / 1000));
  return new GatewayError({
    status: 429,
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
    retryable: true,
    retryAfterMs: decision.retryAfterMs ?? 1000,
    message: `${who} has reached ${what}. Retry after ${retrySeconds} s, or ask the gateway's operator to raise the limit.`,
  });
}

function budgetExceeded(exceeded: NonNullable<ReservationDecision["exceeded"]>, names: ReadonlyMap<string, string>): GatewayError {
  const who = names.get(subjectName(exceeded.subject)) ?? `${exceeded.subject.kind} "${exceeded.subject.id}"`;
  const spent = `${who} has spent ${formatUsd(exceeded.spentUsd)} of its ${formatUsd(exceeded.maxBudgetUsd)} budget`;
  // A budget without a period never resets, so the message must not suggest waiting for one.
  const resets = exceeded.periodEnd === null ? "This budget does not reset." : `It resets at ${exceeded.periodEnd.replace(".000Z", "Z")}.`;
  const reserved = exceeded.reservedUsd > 0 ? `, and requests in flight hold ${formatUsd(exceeded.reservedUsd)} of it` : "";
  // Refusals that end by themselves (requests in flight settle, Redis comes back) are retryable.
  const refusal = (message: string, retryable: boolean): GatewayError =>
    new GatewayError({ status: 429, type: "rate_limit_error", code: "budget_exceeded", retryable, ...(retryable ? { retryAfterMs: 1000 } : {}), message });
  if (exceeded.share === true) {
    return refusal(
      `${spent}${reserved}. While gw's shared budget counters are unreachable each replica may spend only its share of what is left, ` +
        `and this replica's share is used up: retry shortly. ${resets}`,
      true,
    );
  }
  if (exceeded.inFlight) {
    const left = Math.max(0, exceeded.maxBudgetUsd - exceeded.spentUsd - exceeded.reservedUsd);
    return refusal(`${spent}${reserved}; this request could cost more than the ${formatUsd(left)} left, so it waits for them: retry after they finish. ${resets}`, true);
  }
  const advice = exceeded.periodEnd === null ? "Ask the gateway's operator to raise the budget." : "Wait for the reset or ask the gateway's operator to raise the budget.";
  return refusal(`${spent}${reserved}; nothing is left for this request. ${resets} ${advice}`, false);
}

const budgetUnavailable = new GatewayError({
  status: 503,
  type: "api_error",
  code: "budget_unavailable",
  retryable: true,
  retryAfterMs: 1000,
  message:
    "gw cannot count this request's spend against its budget across the cluster right now (its shared counters or its " +
    "recorded spend are unreachable), and this gateway refuses budgeted requests then. Try again shortly.",
});

const enforcementUnavailable = new GatewayError({
  status: 503,
  type: "api_error",
  code: "governance_unavailable",
  message: "gw could not check this request's rate limits or budget. Try again shortly.",
});

export interface RequestEnforcer {
  /** What applies to this caller and request; null on the fast path (nothing to do). Synchronous. */
  applicable(caller: Caller, body: { model: string; user?: unknown }): Applicable | null;
  /** Acquire the limits and reserve the budgets: the ticket, or the refusal to answer with (nothing held then). */
  admit(applicable: Applicable, route: RuntimeRoute, estimate: (price: TokenPrice | null) => CostEstimate): Promise<EnforcementTicket | Refusal>;
}

export function createRequestEnforcer(enforcement: Enforcement, plan: RuntimePlan, now: () => number): RequestEnforcer {
  const { limiter, ledger, periods, cache } = enforcement;
  const log = enforcement.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const profiles = new WeakMap<ManagedKey, KeyProfile>();
  const customerProfiles = new WeakMap<object, Applicable | null>();
  const prices = new WeakMap<RuntimeRoute, TokenPrice | null>();

  const keyProfile = (key: ManagedKey): Applicable | null => {
    const team = key.teamId === null ? null : cache.team(key.teamId);
    const user = key.userId === null ? null : cache.user(key.userId);
    const known = profiles.get(key);
    // The cache replaces an entity's object on change: identity says whether the profile is current.
    if (known !== undefined && known.team === team && known.user === user) return known.applicable;
    const applicable = keyApplicable(key, team, user);
    profiles.set(key, { team, user, applicable });
    return applicable;
  };

  const priceOf = (route: RuntimeRoute): TokenPrice | null => {
    let price = prices.get(route);
    if (price === undefined) {
      price = worstPrice(plan, route);
      prices.set(route, price);
    }
    return price;
  };

  const alertSoft = (crossed: readonly Subject[], budgets: ReadonlyArray<BudgetEntry & { periodStart: number }>, names: ReadonlyMap<string, string>, spent: readonly number[] | null): void => {
    for (const subject of crossed) {
      const index = budgets.findIndex((entry) => entry.subject.kind === subject.kind && entry.subject.id === subject.id);
      const entry = budgets[index];
      if (entry === undefined) continue;
      const softBudget = entry.budget.softBudget ?? 0;
      const report = (spentUsd: number): void => {
        log(`budget: ${names.get(subjectName(entry.subject)) ?? subject.id} crossed its soft budget of ${formatUsd(softBudget)} (spent ${formatUsd(spentUsd)})`);
        try {
          enforcement.alert?.(entry.subject, spentUsd, softBudget);
        } catch (error) {
          log(`budget: soft budget alert failed (${error instanceof Error ? error.message : String(error)})`);
        }
      };
      const known = spent?.[index];
      if (known !== undefined) report(known);
      else
        ledger.spent(entry.subject, entry.periodStart).then(report, () => {
          report(softBudget);
        });
    }
  };

  return {
    applicable(caller, body) {
      let applicable: Applicable | null = null;
      if (caller.kind === "key") {
        const key = managedKeyOf(caller);
        if (key !== null) applicable = keyProfile(key);
      }
      const user = body.user;
      if (typeof user === "string" && user !== "") {
        const customer = cache.customer(user);
        if (customer !== null) {
          let customerApplicable = customerProfiles.get(customer);
          if (customerApplicable === undefined) {
            const target = { limits: [] as LimitEntry[], budgets: [] as BudgetEntry[], names: new Map<string, string>() };
            addSubject(target, { kind: "customer", id: customer.customerId }, customer, `Customer "${customer.customerId}"`);
            customerApplicable = target.limits.length === 0 && target.budgets.length === 0 ? null : target;
            customerProfiles.set(customer, customerApplicable);
          }
          applicable = joinApplicable(applicable, customerApplicable);
        }
      }
      return applicable;
    },

    async admit(applicable, route, estimateFor) {
      const at = now();
      const estimate = estimateFor(priceOf(route));
      let decision: (LimitDecision & { ticket: string | null }) | null = null;
      try {
        if (applicable.limits.length > 0) {
          decision = await limiter.acquire(applicable.limits, estimate.promptTokens + estimate.outputTokens, at);
          if (!decision.allowed) {
            const headers: Record<string, string> = {};
            rateLimitHeaders(decision, headers);
            return { error: rateLimited(decision, applicable.names), headers };
          }
        }
      } catch (error) {
        log(`rate limits: ${limiter.description} failed (${error instanceof Error ? error.message : String(error)})`);
        return { error: enforcementUnavailable, headers: {} };
      }
      const ticket = decision?.ticket ?? null;
      const releaseTicket = (tokens: number): void => {
        if (ticket === null) return;
        limiter.release(ticket, tokens, now()).catch((error: unknown) => {
          log(`rate limits: could not release a slot (${error instanceof Error ? error.message : String(error)})`);
        });
      };

      let reservation: string | null = null;
      let budgets: Array<BudgetEntry & { periodStart: number; periodEnd: number | null }> = [];
      if (applicable.budgets.length > 0) {
        try {
          // Inside the try: an unparsable budget_duration (RangeError) must not leak the slot taken above.
          budgets = applicable.budgets.map((entry) => {
            const period = periods.periodOf(entry.budget.budgetDuration, at);
            return { subject: entry.subject, budget: entry.budget, recordedAs: entry.recordedAs, periodStart: period.start, periodEnd: period.end };
          });
          // First request of a subject in this period (in this process, or since Redis came back):
          // load its recorded spend. Never refuses: a failed read admits on the counters as they are.
          const seeding = enforcement.seeding?.ensure(budgets, at) ?? null;
          if (seeding !== null) await seeding;
          if (enforcement.failClosed === true && enforcement.seeding !== undefined && !enforcement.seeding.seeded(budgets.filter(hasHardLimit))) {
            releaseTicket(0);
            return { error: budgetUnavailable, headers: {} };
          }
          const reserved = await ledger.reserve(budgets, estimate.worstCaseUsd, at);
          if (reserved.softCrossed.length > 0) alertSoft(reserved.softCrossed, budgets, applicable.names, reserved.spentUsd ?? null);
          if (!reserved.allowed) {
            releaseTicket(0);
            // Refused without a subject: the ledger cannot count cluster-wide and fails closed.
            const error = reserved.exceeded === undefined ? budgetUnavailable : budgetExceeded(reserved.exceeded, applicable.names);
            return { error, headers: {} };
          }
          reservation = reserved.reservation;
        } catch (error) {
          releaseTicket(0);
          log(`budgets: ${ledger.description} failed (${error instanceof Error ? error.message : String(error)})`);
          return { error: enforcementUnavailable, headers: {} };
        }
      }

      let finished = false;
      return {
        decision: decision !== null && (decision.limitRequests !== undefined || decision.limitTokens !== undefined) ? decision : null,
        finish(costUsd, usage) {
          if (finished) return;
          finished = true;
          releaseTicket(usedTokens(usage));
          if (reservation === null) return;
          const failed = (error: unknown): void => {
            log(`budgets: could not settle a reservation (${error instanceof Error ? error.message : String(error)})`);
          };
          if (costUsd > 0) {
            ledger.settle(reservation, costUsd).then((outcome) => {
              if (outcome.softCrossed.length > 0) alertSoft(outcome.softCrossed, budgets, applicable.names, null);
            }, failed);
          } else {
            ledger.release(reservation).catch(failed);
          }
        },
      };
    },
  };
}

/** OpenAI's x-ratelimit-* headers for a decision (only the figures that apply). */
export function rateLimitHeaders(decision: LimitDecision, headers: Record<string, string>): void {
  if (decision.limitRequests !== undefined) headers["x-ratelimit-limit-requests"] = String(decision.limitRequests);
  if (decision.remainingRequests !== undefined) headers["x-ratelimit-remaining-requests"] = String(decision.remainingRequests);
  if (decision.limitTokens !== undefined) headers["x-ratelimit-limit-tokens"] = String(decision.limitTokens);
  if (decision.remainingTokens !== undefined) headers["x-ratelimit-remaining-tokens"] = String(decision.remainingTokens);
}
