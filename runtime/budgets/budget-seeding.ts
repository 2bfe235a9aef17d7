/**
 * Lazy seeding of budget counters from the durable spend ledger, so that a restarted process
 * (no Redis: every counter starts at 0) or a process whose shared counters were lost (Redis
 * restarted, or came back after an outage during which spend was counted in-process) does not
 * let a subject spend its budget a second time.
 *
 * Invariants:
 * - The first time a subject is admitted in a period in this process, its recorded spend since
 *   the period start is read from the spend store (one read per subject and period, shared by the
 *   requests that arrive while it runs) and raised into the ledger with `seed` (which never lowers).
 * - A failed or slow read never refuses a request: after `waitMs` the request goes on unseeded;
 *   a failed read is logged once (until a read succeeds again) and retried by a request arriving
 *   `retryMs` or more later. A read that ends after `waitMs` still seeds.
 * - `reset()` forgets everything seeded: the next request of each subject seeds again (used when
 *   Redis answers again after an outage, since Redis has not seen the spend made meanwhile).
 *   Seeding twice is harmless: `seed` raises to the recorded total, it does not add to it.
 */
import type { SpendSubjectKind } from "../stores/ports.ts";
import type { BudgetLedger, Subject } from "../stores/ports.ts";

/** Reads a subject's recorded spend since a time (SpendStore.subjectSpendSince). */
export type SubjectSpendSource = (kind: SpendSubjectKind, id: string, sinceMs: number) => Promise<number>;

export interface SeedTarget {
  subject: Subject;
  /** The subject's id in the spend store: the key hash prefix for keys, else the subject's id. */
  recordedAs: string;
  periodStart: number;
  periodEnd: number | null;
}

export interface BudgetSeeding {
  /**
   * Seeds the subjects of `targets` not seeded yet in their period. Null when there is nothing to
   * wait for (the common case: no await on the request path); else a promise that resolves (never
   * rejects) once they are seeded, have failed, or `waitMs` has passed.
   */
  ensure(targets: readonly SeedTarget[], now: number): Promise<void> | null;
  /** Whether every target of a kind kept in the spend store has been seeded in its period (for fail-closed budgets). */
  seeded(targets: readonly SeedTarget[]): boolean;
  /** Forget what was seeded: every subject seeds again on its next request. */
  reset(): void;
}

export interface BudgetSeedingOptions {
  source: SubjectSpendSource;
  ledger: BudgetLedger;
  log: (message: string) => void;
  /** How long a request waits for a read before going on unseeded. Default 2000 ms. */
  waitMs?: number;
  /** After a failed read, the subject is read again by a request this much later. Default 5000 ms. */
  retryMs?: number;
  /** Clock for retry timing. Default Date.now. */
  now?: () => number;
}

type SeedState =
  | { state: "seeded"; periodEnd: number | null }
  | { state: "reading"; promise: Promise<void>; waitable: boolean; periodEnd: number | null }
  | { state: "failed"; retryAt: number; periodEnd: number | null };

const seedableKinds: ReadonlySet<string> = new Set<SpendSubjectKind>(["key", "team", "user", "customer"]);

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createBudgetSeeding(options: BudgetSeedingOptions): BudgetSeeding {
  const { source, ledger, log } = options;
  const waitMs = options.waitMs ?? 2_000;
  const retryMs = options.retryMs ?? 5_000;
  const clock = options.now ?? Date.now;
  /** By `kind:id:periodStart`. Entries of ended periods are swept when the map has doubled. */
  let states = new Map<string, SeedState>();
  /** Bumped by reset(): reads started before it do not mark their subject seeded afterwards. */
  let generation = 0;
  let failing = false;
  let sweepAt = 1_024;

  const sweep = (now: number): void => {
    if (states.size < sweepAt) return;
    for (const [key, state] of states) {
      if (state.state !== "reading" && state.periodEnd !== null && state.periodEnd <= now) states.delete(key);
    }
    sweepAt = Math.max(1_024, states.size * 2);
  };

  const read = (key: string, target: SeedTarget): Promise<void> => {
    const started = generation;
    const { subject, periodStart, periodEnd } = target;
    return Promise.resolve()
      .then(() => source(subject.kind as SpendSubjectKind, target.recordedAs, periodStart))
      .then((recordedUsd) => (recordedUsd > 0 ? ledger.seed(subject, periodStart, periodEnd, recordedUsd) : undefined))
      .then(
        () => {
          if (started === generation) states.set(key, { state: "seeded", periodEnd });
          if (failing) {
            failing = false;
            log("budgets: spend ledger readable again; budget counters are being loaded from it");
          }
        },
        (error: unknown) => {
          if (started === generation) states.set(key, { state: "failed", retryAt: clock() + retryMs, periodEnd });
          if (!failing) {
            failing = true;
            log(
              `budgets: could not load recorded spend from the spend ledger (${describeError(error)}); ` +
                "admitting with the counters this process has and retrying later",
            );
          }
        },
      );
  };

  return {
    ensure(targets, now) {
      let waiting: Array<SeedState & { state: "reading" }> | null = null;
      for (const target of targets) {
        if (!seedableKinds.has(target.subject.kind)) continue;
        const key = `${target.subject.kind}:${target.subject.id}:${target.periodStart}`;
        let state = states.get(key);
        if (state?.state === "seeded") continue;
        if (state?.state === "reading") {
          if (state.waitable) (waiting ??= []).push(state);
          continue;
        }
        if (state?.state === "failed" && clock() < state.retryAt) continue;
        state = { state: "reading", promise: Promise.resolve(), waitable: true, periodEnd: target.periodEnd };
        states.set(key, state);
        state.promise = read(key, target);
        (waiting ??= []).push(state);
      }
      if (waiting === null) return null;
      sweep(now);
      const reads = waiting;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Later requests do not wait on a read that is already too slow.
          for (const state of reads) state.waitable = false;
          resolve();
        }, waitMs);
        void Promise.all(reads.map((state) => state.promise)).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    seeded(targets) {
      for (const target of targets) {
        if (!seedableKinds.has(target.subject.kind)) continue;
        if (states.get(`${target.subject.kind}:${target.subject.id}:${target.periodStart}`)?.state !== "seeded") return false;
      }
      return true;
    },
    reset() {
      generation++;
      states = new Map();
    },
  };
}
