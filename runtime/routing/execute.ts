/**
 * Retries and fallbacks around one attempt function. The chain is the requested model, then
 * its fallbacks in order (skipping models the caller's team may not use). Each model gets
 * 1 + retry.attempts attempts; each attempt re-picks a deployment by weight, preferring ones
 * that have not failed yet for this request. Only `GatewayError.retryable` decides whether to
 * go on: a non-retryable error is the answer at once.
 *
 * Deployment rate limits (`options.limits`, governance/deployment-limits.ts): a deployment at
 * its limit is skipped like a retryable failure, without backoff and without using up one of
 * the model's attempts; it is not picked again for that model in this request. When no upstream
 * attempt was made because every candidate was limited, the answer is 429 rate_limit_exceeded
 * with the smallest Retry-After. A successful attempt's hold is returned in the outcome for the
 * caller to release with the real usage; a failed attempt's hold is released here.
 *
 * Special chains (context-window.ts): deployments too small for the prompt are left out before
 * any call, and a model none of whose deployments fits goes to its `contextWindowFallbacks`; an
 * upstream's context-length error or content-filter refusal sends the request to the failing
 * model's context-window or content-policy chain instead of answering with it. A switch never
 * returns to a model already tried. A model listed in its own chain (`sameModelFallback`) gives
 * each of its deployments an attempt, whatever its retry count.
 *
 * The `usage` strategy reads the route's headroom before each pick (limits/deployment-headroom.ts,
 * one limiter call; no other strategy reads anything): deployments it finds at their limit are
 * skipped the same way, before any acquire, with the window's end as their Retry-After.
 */
import { clientClosedError } from "./attempt-control.ts";
import { isModelAllowed } from "../auth/authenticate.ts";
import { GatewayError } from "../http/errors.ts";
import { readHeadroom } from "../limits/deployment-headroom.ts";
import { acquireDeployment, type DeploymentHold, type DeploymentLimits } from "../limits/deployment-limits.ts";
import { windowRetryAfterMs } from "../limits/rate-limit-rules.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute } from "../start/plan.ts";
import { type Endpoint, routeFor } from "./route-endpoints.ts";
import { createDeploymentHealth, type DeploymentHealth, defaultHealthPolicy } from "./deployment-health.ts";
import { backoffMs } from "./router.ts";
import { chooseDeployment, type RoutingStrategy } from "./strategies.ts";
import { chainFor, type FallbackReason, fallbackReasonOf, routeForPrompt, routeHasWindows } from "./context-window.ts";
import { routeForTags } from "./tag-routing.ts";
import { internalError } from "../upstream/upstream.ts";

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

export interface ExecuteOptions<T = unknown> {
  plan: RuntimePlan;
  route: RuntimeRoute;
  caller: Caller;
  random: () => number;
  sleep: Sleep;
  /** The client's signal: once aborted, nothing more is tried. */
  signal: AbortSignal | undefined;
  /** Deployment rate limits; absent or null: none are checked (no limiter work at all). */
  limits?: DeploymentLimits | null;
  /**
   * The endpoint served: fallbacks are narrowed to their deployments that serve it (route-endpoints.ts),
   * and a fallback with none is skipped. `route` must already be narrowed. Absent: routes as they are.
   */
  endpoint?: Endpoint;
  /** The request's `num_retries` (request-overrides.ts): retries per model instead of the route's. */
  attempts?: number;
  /** The request's `fallbacks`: tried instead of the route's chain. */
  fallbacks?: readonly string[];
  /** The request's routing tags: fallbacks are narrowed to the deployments they select (tag-routing.ts); `route` must already be. */
  tags?: readonly string[];
  /** What is known of each deployment (in flight, latency, cooldowns); absent: a fresh one per call (tests). */
  health?: DeploymentHealth;
  /** Clock for latency and cooldowns. Default Date.now. */
  now?: () => number;
  /**
   * The request streams: a successful attempt stays in flight (least-busy) until the caller releases
   * the outcome's hold (always given then), and its latency is its time to first token. Default false:
   * in flight until the attempt returns, latency per output token (`outputTokensOf`).
   */
  stream?: boolean;
  /** A successful non-streaming attempt's output tokens, for its latency per output token; absent or null: 1. */
  outputTokensOf?: (value: T) => number | null;
  /**
   * The request's estimated prompt tokens, for deployments' `maxInputTokens` (context-window.ts);
   * called at most once, and only for a model with a known window. Absent: no window is checked.
   */
  promptTokens?: () => number;
}

export type ExecuteOutcome<T> =
  /** `hold`: the target's rate-limit hold, for the caller to release with the real usage; null when none. */
  | { ok: true; value: T; route: RuntimeRoute; target: RuntimeDeployment; attempts: number; hold: DeploymentHold | null; decision: RouteDecision }
  /** `target` is the last deployment tried. */
  | { ok: false; error: GatewayError; route: RuntimeRoute; target: RuntimeDeployment; attempts: number; decision: RouteDecision };

/** Why the request went where it did, for the x-gw-route header. */
export interface RouteDecision {
  strategy: RoutingStrategy;
  /** Deployment ids skipped, with why: cooling down, at its rate limit, failed for this request, or too small for its prompt; null: none. */
  skipped: Array<{ id: string; reason: SkipReason }> | null;
  /** The special chain the request was sent to (context-window.ts); absent: none. */
  fallback?: FallbackReason;
}

export type SkipReason = "cooling-down" | "rate-limited" | "failed" | "context-window";

const plainDecisions = new Map<RoutingStrategy, string>();

/** `strategy=latency; skipped=a:cooling-down,b:failed; fallback=context-window` */
export function describeDecision(decision: RouteDecision): string {
  if (decision.fallback !== undefined) {
    const skipped = decision.skipped === null ? "" : `; skipped=${decision.skipped.map((entry) => `${entry.id}:${entry.reason}`).join(",")}`;
    return `strategy=${decision.strategy}${skipped}; fallback=${decision.fallback}`;
  }
  if (decision.skipped === null) {
    let text = plainDecisions.get(decision.strategy);
    if (text === undefined) {
      text = `strategy=${decision.strategy}`;
      plainDecisions.set(decision.strategy, text);
    }
    return text;
  }
  return `strategy=${decision.strategy}; skipped=${decision.skipped.map((entry) => `${entry.id}:${entry.reason}`).join(",")}`;
}

function skip(decision: RouteDecision, id: string, reason: SkipReason): void {
  const skipped = (decision.skipped ??= []);
  if (!skipped.some((entry) => entry.id === id && entry.reason === reason)) skipped.push({ id, reason });
}

export async function executeWithFallbacks<T>(
  options: ExecuteOptions<T>,
  attempt: (target: RuntimeDeployment, route: RuntimeRoute) => Promise<T>,
): Promise<ExecuteOutcome<T>> {
  const { plan, caller, random, sleep, signal } = options;
  const limits = options.limits ?? null;
  const health = options.health ?? createDeploymentHealth();
  const now = options.now ?? Date.now;
  const stream = options.stream === true;
  const decision: RouteDecision = { strategy: options.route.routing?.strategy ?? "weighted", skipped: null };
  const primary = options.route;
  let attempts = 0;
  let lastError: GatewayError | undefined;
  let lastRoute = primary;
  let lastTarget = primary.deployments[0] as RuntimeDeployment;
  /** The smallest Retry-After of the deployments skipped at their limit; -1: none skipped. */
  let limitedRetryAfterMs = -1;
  let estimate = -1;

  let chain = options.fallbacks ?? primary.fallbacks;
  /** Models already tried, once the request has been sent to a special chain (context-window.ts); null until then. */
  let tried: Set<string> | null = null;
  let promptTokens = -1;
  models: for (let chainIndex = -1; chainIndex < chain.length; chainIndex++) {
    let route = primary;
    if (chainIndex >= 0) {
      const name = chain[chainIndex] as string;
      if (tried !== null && tried.has(name)) continue;
      if (!isModelAllowed(caller, name)) continue;
      route = plan.routes.get(name) as RuntimeRoute;
      if (options.endpoint !== undefined) {
        const view = routeFor(route, options.endpoint);
        if (view === null) continue;
        route = view;
      }
      if (options.tags !== undefined) {
        const view = routeForTags(route, options.tags);
        if (view === null) continue;
        route = view;
      }
    }
    tried?.add(route.name);
    if (options.promptTokens !== undefined && routeHasWindows(route)) {
      if (promptTokens < 0) promptTokens = options.promptTokens();
      const fitting = routeForPrompt(route, promptTokens);
      const next = fitting === null ? chainFor(route, "context-window") : undefined;
      // No window fits and no chain is configured: the model is tried as it is (the estimate errs high; the upstream decides).
      if (fitting !== route && (fitting !== null || next !== undefined)) {
        for (const target of route.deployments) {
          if (fitting === null || !fitting.deployments.includes(target)) skip(decision, target.deployment.id, "context-window");
        }
        if (fitting !== null) route = fitting;
        else {
          // No deployment of the model fits the prompt: its context-window chain, without calling it.
          ({ chain, tried } = switchChain(decision, "context-window", next as readonly string[], tried, primary.name, chain, chainIndex));
          chainIndex = -1;
          continue;
        }
      }
    }
    /** Deployments that failed or were at their limit (a superset of `limited`). */
    let failed: Set<number> | null = null;
    /** Deployments at their limit: never picked again for this model. */
    let limited: Set<number> | null = null;
    const count = route.deployments.length;
    let retries = options.attempts ?? route.retry.attempts;
    // The config lists the model in its own chain: each of its deployments gets an attempt.
    if (route.sameModelFallback === true && retries < count - 1) retries = count - 1;
    for (let retry = 0; retry <= retries; retry++) {
      let excluded: Set<number> | null = failed;
      if (limited !== null) {
        if (limited.size >= count) break;
        // Every deployment failed or is limited: retry the failed ones, never the limited ones.
        if ((failed as Set<number>).size >= count) excluded = limited;
      }
      // A route without a routing block: weighted, with the default cooldowns (deployment-health.ts).
      const routing = route.routing;
      let headroom: number[] | null = null;
      let readAt = 0;
      if (routing?.strategy === "usage" && limits !== null) {
        if (estimate < 0) estimate = limits.estimatedTokens();
        readAt = limits.now();
        headroom = await readHeadroom(limits, route.deployments, estimate, readAt);
      }
      const choice = chooseDeployment(route, { strategy: routing?.strategy ?? "weighted", health, now: now(), random, excluded, headroom, stream });
      for (const cooling of choice.cooling) skip(decision, route.deployments[cooling]!.deployment.id, "cooling-down");
      if (choice.limited.length > 0) {
        const retryAfterMs = windowRetryAfterMs(readAt);
        if (limitedRetryAfterMs < 0 || retryAfterMs < limitedRetryAfterMs) limitedRetryAfterMs = retryAfterMs;
        for (const each of choice.limited) {
          (limited ??= new Set()).add(each);
          (failed ??= new Set()).add(each);
          skip(decision, route.deployments[each]!.deployment.id, "rate-limited");
        }
        // Every candidate was at its limit: none is sent, as when acquire refuses.
        if (choice.limited.includes(choice.index)) {
          retry--;
          continue;
        }
      }
      const index = choice.index;
      const target = route.deployments[index] as RuntimeDeployment;
      lastRoute = route;
      lastTarget = target;
      let hold: DeploymentHold | null = null;
      const subjects = target.limits;
      if (limits !== null && subjects !== null && subjects !== undefined) {
        if (estimate < 0) estimate = limits.estimatedTokens();
        const admission = await acquireDeployment(limits, subjects, estimate);
        if (!admission.allowed) {
          if (limitedRetryAfterMs < 0 || admission.retryAfterMs < limitedRetryAfterMs) limitedRetryAfterMs = admission.retryAfterMs;
          (limited ??= new Set()).add(index);
          (failed ??= new Set()).add(index);
          skip(decision, target.deployment.id, "rate-limited");
          retry--;
          continue;
        }
        hold = admission.hold;
        if (signal?.aborted) {
          hold?.release(0);
          return { ok: false, error: clientClosedError, route, target, attempts, decision };
        }
      }
      attempts++;
      const id = target.deployment.id;
      const started = now();
      // Requests in flight count attempts; a stream stays in flight until it ends (inFlightUntilReleased).
      health.begin(id);
      try {
        const value = await attempt(target, route);
        const ended = now();
        if (stream) {
          health.succeeded(id, ended - started, ended, true);
          // A stream is in flight until it ends: the caller's release of the hold ends it.
          hold = inFlightHold(health, id, hold);
        } else {
          health.succeeded(id, ended - started, ended, false, options.outputTokensOf?.(value) ?? 1);
          health.end(id);
        }
        return { ok: true, value, route, target, attempts, hold, decision };
      } catch (error) {
        health.end(id);
        hold?.release(0);
        lastError = error instanceof GatewayError ? error : internalError(error);
      }
      if (signal?.aborted) return { ok: false, error: clientClosedError, route, target, attempts, decision };
      health.failed(id, lastError, routing?.health ?? defaultHealthPolicy, now());
      if (!lastError.retryable) {
        const reason = fallbackReasonOf(lastError);
        const next = reason === null ? undefined : chainFor(route, reason);
        if (reason === null || next === undefined) return { ok: false, error: lastError, route, target, attempts, decision };
        // The prompt is too long for it, or its content filter refused: the model's chain for that.
        ({ chain, tried } = switchChain(decision, reason, next, tried, primary.name, chain, chainIndex));
        chainIndex = -1;
        continue models;
      }
      (failed ??= new Set()).add(index);
      skip(decision, id, "failed");
      if (retry < retries) {
        await sleep(backoffMs(retry, route.retry, lastError.retryAfterMs, random), signal);
        if (signal?.aborted) return { ok: false, error: clientClosedError, route, target, attempts, decision };
      }
    }
  }
  const error = lastError ?? deploymentsLimited(primary.name, limitedRetryAfterMs);
  return { ok: false, error, route: lastRoute, target: lastTarget, attempts, decision };
}

/**
 * The request goes to a special chain (context-window.ts): the models tried so far (the primary and
 * the chain up to `chainIndex`) are not tried again.
 */
function switchChain(
  decision: RouteDecision,
  reason: FallbackReason,
  next: readonly string[],
  tried: Set<string> | null,
  primary: string,
  chain: readonly string[],
  chainIndex: number,
): { chain: readonly string[]; tried: Set<string> } {
  decision.fallback = reason;
  const seen = tried ?? new Set<string>([primary]);
  for (let index = 0; index <= chainIndex; index++) seen.add(chain[index] as string);
  return { chain: next, tried: seen };
}

/** `hold` (or none) that also ends the attempt's in-flight count when released; released once. */
function inFlightHold(health: DeploymentHealth, id: string, hold: DeploymentHold | null): DeploymentHold {
  let released = false;
  return {
    release(actualTokens) {
      if (released) return;
      released = true;
      health.end(id);
      hold?.release(actualTokens);
    },
  };
}

/** The 429 when every deployment of a model and its fallbacks was at its rate limit. */
function deploymentsLimited(model: string, retryAfterMs: number): GatewayError {
  const wait = Math.max(retryAfterMs, 0);
  return new GatewayError({
    status: 429,
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
    retryable: true,
    retryAfterMs: wait,
    message: `Every deployment of model "${model}" (and of its fallbacks) is at its rate limit. Retry after ${Math.max(1, Math.ceil(wait / 1000))} s.`,
  });
}
