/**
 * Retries and fallbacks around one attempt function. The chain is the requested model, then
 * its fallbacks in order (skipping models the caller's team may not use). Each model gets
 * 1 + retry.attempts attempts; each attempt re-picks a deployment by weight, preferring ones
 * that have not failed yet for this request. Only `GatewayError.retryable` decides whether to
 * go on: a non-retryable error is the answer at once.
 */
import { clientClosedError } from "./attempt-control.ts";
import { isModelAllowed } from "./auth.ts";
import { GatewayError } from "./errors.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute } from "./plan.ts";
import { backoffMs, pickDeployment } from "./router.ts";
import { internalError } from "./upstream.ts";

/** Waits `ms`, resolving early when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export interface ExecuteOptions {
  plan: RuntimePlan;
  route: RuntimeRoute;
  caller: Caller;
  random: () => number;
  sleep: Sleep;
  /** The client's signal: once aborted, nothing more is tried. */
  signal: AbortSignal | undefined;
}

export type ExecuteOutcome<T> =
  | { ok: true; value: T; route: RuntimeRoute; target: RuntimeDeployment; attempts: number }
  /** `target` is the last deployment tried. */
  | { ok: false; error: GatewayError; route: RuntimeRoute; target: RuntimeDeployment; attempts: number };

export async function executeWithFallbacks<T>(
  options: ExecuteOptions,
  attempt: (target: RuntimeDeployment, route: RuntimeRoute) => Promise<T>,
): Promise<ExecuteOutcome<T>> {
  const { plan, caller, random, sleep, signal } = options;
  const primary = options.route;
  let attempts = 0;
  let lastError: GatewayError | undefined;
  let lastRoute = primary;
  let lastTarget = primary.deployments[0] as RuntimeDeployment;

  for (let chainIndex = -1; chainIndex < primary.fallbacks.length; chainIndex++) {
    let route = primary;
    if (chainIndex >= 0) {
      const name = primary.fallbacks[chainIndex] as string;
      if (!isModelAllowed(caller, name)) continue;
      route = plan.routes.get(name) as RuntimeRoute;
    }
    let failed: Set<number> | null = null;
    const retries = route.retry.attempts;
    for (let retry = 0; retry <= retries; retry++) {
      const index = pickDeployment(route, random, failed);
      const target = route.deployments[index] as RuntimeDeployment;
      attempts++;
      lastRoute = route;
      lastTarget = target;
      try {
        const value = await attempt(target, route);
        return { ok: true, value, route, target, attempts };
      } catch (error) {
        lastError = error instanceof GatewayError ? error : internalError(error);
      }
      if (signal?.aborted) return { ok: false, error: clientClosedError, route, target, attempts };
      if (!lastError.retryable) return { ok: false, error: lastError, route, target, attempts };
      (failed ??= new Set()).add(index);
      if (retry < retries) {
        await sleep(backoffMs(retry, route.retry, lastError.retryAfterMs, random), signal);
        if (signal?.aborted) return { ok: false, error: clientClosedError, route, target, attempts };
      }
    }
  }
  return { ok: false, error: lastError as GatewayError, route: lastRoute, target: lastTarget, attempts };
}
