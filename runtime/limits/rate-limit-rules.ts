/**
 * The rules every RateLimiter implementation follows (memory here, Redis Lua in
 * runtime/host/redis/rate-limit-scripts.ts mirrors them line for line):
 *
 * - rpm and tpm count in fixed one-minute windows aligned to the Unix minute (like LiteLLM's
 *   per-minute counters): exact and cheap, at the price of allowing up to twice the limit across
 *   a window boundary. Retry-After points at the end of the current window.
 * - A request is refused by rpm when the window already holds `rpm` requests.
 * - A request is refused by tpm when the window's tokens have reached `tpm`, or when adding its
 *   estimated tokens would pass `tpm` and the window is not empty (a request larger than the
 *   whole limit is admitted into an empty window rather than refused forever).
 * - parallel counts slots held by requests in flight; a slot never released (a crashed
 *   process) frees itself after the slot TTL. Retry-After for parallel is a fixed second: a
 *   slot frees when some request ends, which cannot be predicted.
 * - Checks run for every subject first; only when all pass is anything counted (all or nothing).
 *   The first failing check, in subject order then rpm, tpm, parallel, is the one reported.
 * - A limit of null means none; 0 refuses every request.
 * - Subjects without any limit are not counted at all; when no subject has one, `acquire`
 *   answers allowed with a null ticket and touches nothing.
 */
import type { LimitDecision, LimitSettings, Subject, SubjectCounts } from "../stores/ports.ts";

export const windowMs = 60_000;
/** A parallel slot that is never released frees itself after this long. */
export const defaultSlotTtlMs = 10 * 60_000;
export const parallelRetryAfterMs = 1_000;

/** Limits as integers; -1 for none (the Lua scripts' encoding). */
export interface NumericLimits {
  rpm: number;
  tpm: number;
  parallel: number;
}

export interface LimitedSubject {
  subject: Subject;
  limits: NumericLimits;
}

export type LimitKind = "rpm" | "tpm" | "parallel";

export function windowStartOf(now: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

function toLimit(value: number | null): number {
  if (value === null || !Number.isFinite(value)) return -1;
  return Math.max(0, Math.floor(value));
}

/** Tokens as a whole non-negative number. */
export function toTokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}

/** The subjects that have at least one limit, with their limits as integers. */
export function limitedSubjects(subjects: ReadonlyArray<{ subject: Subject; limits: LimitSettings }>): LimitedSubject[] {
  const result: LimitedSubject[] = [];
  for (const { subject, limits } of subjects) {
    const numeric = { rpm: toLimit(limits.rpmLimit), tpm: toLimit(limits.tpmLimit), parallel: toLimit(limits.maxParallelRequests) };
    if (numeric.rpm >= 0 || numeric.tpm >= 0 || numeric.parallel >= 0) result.push({ subject, limits: numeric });
  }
  return result;
}

/** Whether a subject's window is counted (it has rpm or tpm). */
export function usesWindow(limits: NumericLimits): boolean {
  return limits.rpm >= 0 || limits.tpm >= 0;
}

export function tokensRefused(used: number, estimate: number, tpm: number): boolean {
  return tpm >= 0 && (used >= tpm || (used > 0 && used + estimate > tpm));
}

/** The first check that fails, or null when the request may go. */
export function findRefusal(subjects: readonly LimitedSubject[], counts: readonly SubjectCounts[], estimate: number): { index: number; limit: LimitKind } | null {
  for (let index = 0; index < subjects.length; index++) {
    const { limits } = subjects[index]!;
    const count = counts[index]!;
    const window = windowRefusal(limits, count, estimate);
    if (window !== null) return { index, limit: window };
    if (limits.parallel >= 0 && count.inFlight >= limits.parallel) return { index, limit: "parallel" };
  }
  return null;
}

/** The window limit that refuses a request (rpm checked first), or null. */
export function windowRefusal(limits: NumericLimits, count: SubjectCounts, estimate: number): "rpm" | "tpm" | null {
  if (limits.rpm >= 0 && count.requests >= limits.rpm) return "rpm";
  if (tokensRefused(count.tokens, estimate, limits.tpm)) return "tpm";
  return null;
}

/** Until the current window ends: when a request refused by rpm or tpm may pass. */
export function windowRetryAfterMs(now: number): number {
  return Math.max(1, windowStartOf(now) + windowMs - now);
}

/**
 * The decision with OpenAI's x-ratelimit-* figures: the tightest remaining requests and tokens
 * over the subjects that have rpm / tpm, counting this request when it is admitted.
 */
export function toLimitDecision(
  subjects: readonly LimitedSubject[],
  counts: readonly SubjectCounts[],
  estimate: number,
  now: number,
  refusal: { index: number; limit: LimitKind } | null,
): LimitDecision {
  const admitted = refusal === null;
  const decision: LimitDecision = { allowed: admitted };
  for (let index = 0; index < subjects.length; index++) {
    const { limits } = subjects[index]!;
    const count = counts[index]!;
    if (limits.rpm >= 0) {
      const remaining = Math.max(0, limits.rpm - count.requests - (admitted ? 1 : 0));
      if (decision.remainingRequests === undefined || remaining < decision.remainingRequests) {
        decision.remainingRequests = remaining;
        decision.limitRequests = limits.rpm;
      }
    }
    if (limits.tpm >= 0) {
      const remaining = Math.max(0, limits.tpm - count.tokens - (admitted ? estimate : 0));
      if (decision.remainingTokens === undefined || remaining < decision.remainingTokens) {
        decision.remainingTokens = remaining;
        decision.limitTokens = limits.tpm;
      }
    }
  }
  if (refusal !== null) {
    const { subject, limits } = subjects[refusal.index]!;
    decision.limitedBy = { subject, limit: refusal.limit, value: limits[refusal.limit] };
    decision.retryAfterMs = refusal.limit === "parallel" ? parallelRetryAfterMs : windowRetryAfterMs(now);
  }
  return decision;
}

/** A stable text name for a subject: kinds never contain ":", so ids may. */
export function subjectName(subject: Subject): string {
  return `${subject.kind}:${subject.id}`;
}
