/**
 * Per-deployment rate limits (a deployment's `rpmLimit`, `tpmLimit`, `maxParallelRequests`).
 * Before an upstream attempt on a deployment that has limits, the executor (runtime/routing/execute.ts)
 * acquires on the RateLimiter with the subject `{ kind: "deployment", id }`. A deployment at its
 * limit is skipped like a retryable failure; a deployment that admitted the attempt is held
 * until the attempt ends, then released with the tokens really used.
 *
 * Invariants: a hold is released exactly once (later calls do nothing); a limiter that throws
 * (e.g. Redis unreachable without a fallback) admits the attempt unheld, so a limiter outage
 * never stops traffic. The `usage` strategy reads the same counts beforehand (deployment-headroom.ts).
 */
import type { RuntimePlan } from "../start/plan.ts";
import type { LimitSettings, RateLimiter, Subject } from "../stores/ports.ts";

/** What RuntimeDeployment.limits holds: the deployment's subject and limits, built once at load. */
export type DeploymentLimitSubjects = ReadonlyArray<{ readonly subject: Subject; readonly limits: LimitSettings }>;

/** A bundle deployment's limits (contract/bundle.ts CompiledDeploymentLimits). */
export interface DeploymentLimitValues {
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
}

/** The subjects to acquire for a deployment, or null when it has no limit (the executor then does no limit work). */
export function deploymentLimitSubjects(id: string, limits: DeploymentLimitValues | null | undefined): DeploymentLimitSubjects | null {
  if (limits === null || limits === undefined) return null;
  if (limits.rpm === null && limits.tpm === null && limits.parallel === null) return null;
  return [{ subject: { kind: "deployment", id }, limits: { rpmLimit: limits.rpm, tpmLimit: limits.tpm, maxParallelRequests: limits.parallel } }];
}

/** Whether any deployment of the plan (exact or wildcard routes) has a rate limit. */
export function planHasDeploymentLimits(plan: RuntimePlan): boolean {
  const limited = (route: { deployments: ReadonlyArray<{ limits?: DeploymentLimitSubjects | null }> }): boolean =>
    route.deployments.some((target) => target.limits !== null && target.limits !== undefined);
  for (const route of plan.routes.values()) if (limited(route)) return true;
  return plan.wildcardRoutes.some(limited);
}

/** What the executor needs to check deployment limits for one request. */
export interface DeploymentLimits {
  limiter: RateLimiter;
  now(): number;
  /** The request's estimated tokens (prompt plus reserved output); called at most once per request. */
  estimatedTokens(): number;
  /** Limiter failures: the request goes ahead as if unlimited (acquire: unheld; a usage read: picked by weight). */
  onError?(error: unknown): void;
}

/** A deployment's hold on its limits for one attempt. */
export interface DeploymentHold {
  /** End the parallel slot and correct the token count to `actualTokens`. Idempotent. */
  release(actualTokens: number): void;
}

export type DeploymentAdmission = { allowed: true; hold: DeploymentHold | null } | { allowed: false; retryAfterMs: number };

/** The Retry-After when the limiter gives none. */
const defaultRetryAfterMs = 1_000;

/**
 * Acquire `subjects` for one attempt. `estimate` is the request's token estimate (computed once
 * by the caller and passed to every attempt).
 */
export async function acquireDeployment(limits: DeploymentLimits, subjects: DeploymentLimitSubjects, estimate: number): Promise<DeploymentAdmission> {
  let decision: Awaited<ReturnType<RateLimiter["acquire"]>>;
  try {
    decision = await limits.limiter.acquire(subjects, estimate, limits.now());
  } catch (error) {
    limits.onError?.(error);
    return { allowed: true, hold: null };
  }
  if (!decision.allowed) return { allowed: false, retryAfterMs: decision.retryAfterMs ?? defaultRetryAfterMs };
  const ticket = decision.ticket;
  if (ticket === null) return { allowed: true, hold: null };
  let released = false;
  return {
    allowed: true,
    hold: {
      release(actualTokens) {
        if (released) return;
        released = true;
        limits.limiter.release(ticket, actualTokens, limits.now()).catch((error: unknown) => limits.onError?.(error));
      },
    },
  };
}
