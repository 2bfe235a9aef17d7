/**
 * Rate limits and budgets that keep working when the shared backend (Redis) does not answer:
 * calls go to the primary (cluster-wide) implementation; when it fails (connection refused,
 * command timeout: any error), the call is served by the in-process implementation instead, the
 * switch is logged once, and further calls stay in-process — without waiting on the primary — until
 * it answers again (a background probe, or one call every `retryIntervalMs` without a probe).
 *
 * Tickets and reservations carry the backend that made them ("shared:" or "local:"), so each is
 * released or settled where it was counted, whichever backend is current by then.
 *
 * While the primary is down, budgets cannot see spend made by other replicas. To keep a key near
 * its limit from starting over at zero in every process, each reservation the primary answers
 * seeds the in-process ledger with the spend it reported (settled + reserved: conservative), and a
 * primary reservation whose settlement fails is settled in-process. And so that N replicas do not
 * each spend the whole of what was left, each may spend only its share while the primary is down:
 * for every hard-limited counter, the spend this process knew when it first used the counter in
 * the outage (`base`) plus (limit - base) / N, N being the number of live replicas last reported
 * (`replicas`). With the admission rule (budget-rules.ts) each replica then passes its share by
 * at most one request's worst case: the cluster passes the budget by at most one worst-case
 * request per replica (plus what other replicas spent that this one had not yet seen).
 * `failClosed` refuses hard-budgeted requests instead while the primary is down. After an outage
 * the primary has not seen spend made in-process; `onRecovered` is the place to re-seed it from
 * the durable spend ledger.
 */
import type { BudgetLedger, LimitSettings, RateLimiter, ReservationDecision, SettleOutcome, Subject } from "../stores/ports.ts";
import { type BudgetSubject, counterName } from "../budgets/budget-rules.ts";

export interface FallbackOptions {
  /** Receives one line when the primary becomes unreachable and one when it is back. */
  log: (message: string) => void;
  /** Name of the primary in log lines. Default "Redis". */
  backendName?: string;
  /** While the primary is down it is tried again this often (ms). Default 1000. */
  retryIntervalMs?: number;
  /**
   * A cheap check of the primary (e.g. Redis PING) run in the background while it is down, so no
   * request waits on a dead backend. Without it, the first call after each `retryIntervalMs`
   * tries the primary itself.
   */
  probe?: () => Promise<unknown>;
  /** Called once each time the primary answers again after an outage. */
  onRecovered?: () => void;
  /** Live replicas sharing the primary, as last reported (budgets: each spends 1/N of what was left while down). Default 1. */
  replicas?: () => number;
  /** Budgets: refuse requests with a hard limit while the primary is down (default false: admit on this replica's share). */
  failClosed?: boolean;
  /** Clock for retry timing. Default Date.now. */
  now?: () => number;
}

const sharedTag = "shared:";
const localTag = "local:";

interface Health {
  isUp(): boolean;
  /** Whether this call should go to the primary. */
  shouldTry(): boolean;
  failed(error: unknown): void;
  succeeded(): void;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function createHealth(options: FallbackOptions, what: string): Health {
  const backend = options.backendName ?? "Redis";
  const retryIntervalMs = options.retryIntervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  let up = true;
  let retryAt = 0;
  let probing = false;

  const succeeded = (): void => {
    if (up) return;
    up = true;
    options.log(`${backend} is reachable again: ${what} are cluster-wide again`);
    options.onRecovered?.();
  };

  const probeLater = (): void => {
    const probe = options.probe;
    if (probe === undefined || probing) return;
    probing = true;
    const attempt = (): void => {
      probe().then(
        () => {
          probing = false;
          succeeded();
        },
        () => {
          setTimeout(attempt, retryIntervalMs).unref?.();
        },
      );
    };
    setTimeout(attempt, retryIntervalMs).unref?.();
  };

  return {
    isUp: () => up,
    shouldTry: () => up || (options.probe === undefined && now() >= retryAt),
    failed(error) {
      retryAt = now() + retryIntervalMs;
      if (up) {
        up = false;
        options.log(`${what} are per process while ${backend} is unreachable (${describeError(error)}); retrying every ${retryIntervalMs} ms`);
      }
      probeLater();
    },
    succeeded,
  };
}

/** A RateLimiter over `primary` (cluster-wide) that uses `local` while the primary fails. */
export function withRateLimiterFallback(primary: RateLimiter, local: RateLimiter, options: FallbackOptions): RateLimiter {
  const health = createHealth(options, "rate limits");
  return {
    description: `${primary.description}; ${local.description} while ${options.backendName ?? "Redis"} is unreachable`,
    isClusterWide: () => health.isUp() && primary.isClusterWide(),

    async acquire(subjects: ReadonlyArray<{ subject: Subject; limits: LimitSettings }>, estimatedTokens: number, now: number) {
      if (health.shouldTry()) {
        try {
          const decision = await primary.acquire(subjects, estimatedTokens, now);
          health.succeeded();
          return { ...decision, ticket: decision.ticket === null ? null : sharedTag + decision.ticket };
        } catch (error) {
          health.failed(error);
        }
      }
      const decision = await local.acquire(subjects, estimatedTokens, now);
      return { ...decision, ticket: decision.ticket === null ? null : localTag + decision.ticket };
    },

    async release(ticket: string, actualTokens: number, now: number) {
      if (ticket.startsWith(localTag)) return local.release(ticket.slice(localTag.length), actualTokens, now);
      // While the primary is down its slot is left to expire on its own; only the token correction is lost.
      if (!ticket.startsWith(sharedTag) || !health.shouldTry()) return;
      try {
        await primary.release(ticket.slice(sharedTag.length), actualTokens, now);
      } catch (error) {
        health.failed(error);
      }
    },

    // Read where the next acquire will count: the primary while it answers, else this process.
    async usage(subjects: readonly Subject[], now: number) {
      if (health.shouldTry()) {
        try {
          const counts = await primary.usage(subjects, now);
          health.succeeded();
          return counts;
        } catch (error) {
          health.failed(error);
        }
      }
      return local.usage(subjects, now);
    },
  };
}

interface SharedReservation {
  madeAt: number;
  /** The subjects without hard limits: a settlement that falls back is recorded, never refused. */
  subjects: BudgetSubject[];
}

/** A BudgetLedger over `primary` (cluster-wide) that uses `local` while the primary fails. */
export function withBudgetLedgerFallback(primary: BudgetLedger, local: BudgetLedger, options: FallbackOptions): BudgetLedger {
  const onRecovered = (): void => {
    bases = new Map();
    options.onRecovered?.();
  };
  const health = createHealth({ ...options, onRecovered }, "budgets");
  const now = options.now ?? Date.now;
  /** Reservations made by the primary, so that a settlement can fall back; oldest first. */
  const shared = new Map<string, SharedReservation>();
  let nextSweep = 0;
  /** While the primary is down: per counter (budget-rules counterName), the spend this process knew when the outage began for it. */
  let bases = new Map<string, number>();
  const replicas = options.replicas ?? (() => 1);

  /** What a reservation may take while the primary is down: this replica's share of each hard limit. */
  const reserveLocally = async (subjects: ReadonlyArray<BudgetSubject>, worstCaseUsd: number, at: number): Promise<ReservationDecision> => {
    const limited = subjects.some((entry) => entry.budget.maxBudget !== null);
    if (limited && options.failClosed === true) return { allowed: false, reservation: null, softCrossed: [] };
    const count = Math.max(1, Math.floor(replicas()));
    let shares: ReadonlyArray<BudgetSubject> = subjects;
    if (limited && count > 1) {
      shares = await Promise.all(
        subjects.map(async (entry) => {
          const maxBudget = entry.budget.maxBudget;
          if (maxBudget === null) return entry;
          const name = counterName(entry.subject, entry.periodStart);
          if (!bases.has(name)) {
            const known = await local.spent(entry.subject, entry.periodStart, at);
            if (!bases.has(name)) bases.set(name, known);
          }
          const base = bases.get(name)!;
          return { ...entry, budget: { ...entry.budget, maxBudget: base >= maxBudget ? maxBudget : base + (maxBudget - base) / count } };
        }),
      );
    }
    const decision = await local.reserve(shares, worstCaseUsd, at);
    const exceeded = decision.exceeded;
    if (exceeded === undefined || shares === subjects) return decision;
    // The refusal names the real budget, not this replica's share of it.
    const real = subjects.find((entry) => entry.subject.kind === exceeded.subject.kind && entry.subject.id === exceeded.subject.id);
    return { ...decision, exceeded: { ...exceeded, maxBudgetUsd: real?.budget.maxBudget ?? exceeded.maxBudgetUsd, share: true } };
  };

  const sweep = (at: number): void => {
    if (at < nextSweep) return;
    nextSweep = at + 60_000;
    for (const [id, reservation] of shared) {
      if (reservation.madeAt + 3_600_000 > at) break;
      shared.delete(id);
    }
  };

  const recordLocally = async (reservation: SharedReservation, actualUsd: number): Promise<SettleOutcome> => {
    const decision = await local.reserve(reservation.subjects, actualUsd, now());
    const settled = decision.reservation === null ? { softCrossed: [] } : await local.settle(decision.reservation, actualUsd);
    return { softCrossed: [...decision.softCrossed, ...settled.softCrossed] };
  };

  return {
    description: `${primary.description}; ${local.description} while ${options.backendName ?? "Redis"} is unreachable`,
    isClusterWide: () => health.isUp() && (primary.isClusterWide?.() ?? false),

    async reserve(subjects: ReadonlyArray<BudgetSubject>, worstCaseUsd: number, at: number): Promise<ReservationDecision> {
      if (health.shouldTry()) {
        try {
          const decision = await primary.reserve(subjects, worstCaseUsd, at);
          health.succeeded();
          const spent = decision.spentUsd;
          if (spent !== undefined) {
            subjects.forEach((entry, index) => {
              const usd = spent[index];
              if (usd !== undefined && usd > 0) void local.seed(entry.subject, entry.periodStart, entry.periodEnd, usd);
            });
          }
          if (decision.reservation === null) return decision;
          sweep(at);
          shared.set(decision.reservation, {
            madeAt: at,
            subjects: subjects.map((entry) => ({ ...entry, budget: { ...entry.budget, maxBudget: null } })),
          });
          return { ...decision, reservation: sharedTag + decision.reservation };
        } catch (error) {
          health.failed(error);
        }
      }
      const decision = await reserveLocally(subjects, worstCaseUsd, at);
      return { ...decision, reservation: decision.reservation === null ? null : localTag + decision.reservation };
    },

    async settle(reservation: string, actualUsd: number): Promise<SettleOutcome> {
      if (reservation.startsWith(localTag)) return local.settle(reservation.slice(localTag.length), actualUsd);
      if (!reservation.startsWith(sharedTag)) return { softCrossed: [] };
      const id = reservation.slice(sharedTag.length);
      const remembered = shared.get(id);
      shared.delete(id);
      if (health.shouldTry()) {
        try {
          return await primary.settle(id, actualUsd);
        } catch (error) {
          health.failed(error);
        }
      }
      // The primary's reservation expires on its own; the cost is counted here meanwhile.
      return remembered === undefined ? { softCrossed: [] } : recordLocally(remembered, actualUsd);
    },

    async release(reservation: string): Promise<void> {
      if (reservation.startsWith(localTag)) return local.release(reservation.slice(localTag.length));
      if (!reservation.startsWith(sharedTag)) return;
      const id = reservation.slice(sharedTag.length);
      shared.delete(id);
      // While the primary is down its reservation is left to expire on its own.
      if (!health.shouldTry()) return;
      try {
        await primary.release(id);
      } catch (error) {
        health.failed(error);
      }
    },

    async spent(subject: Subject, periodStart: number, at?: number): Promise<number> {
      if (health.shouldTry()) {
        try {
          const spent = await primary.spent(subject, periodStart, at);
          health.succeeded();
          return spent;
        } catch (error) {
          health.failed(error);
        }
      }
      return local.spent(subject, periodStart, at);
    },

    async seed(subject: Subject, periodStart: number, periodEnd: number | null, settledUsd: number): Promise<void> {
      await local.seed(subject, periodStart, periodEnd, settledUsd);
      if (!health.shouldTry()) return;
      try {
        await primary.seed(subject, periodStart, periodEnd, settledUsd);
        health.succeeded();
      } catch (error) {
        health.failed(error);
      }
    },
  };
}
