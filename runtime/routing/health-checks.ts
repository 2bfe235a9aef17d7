/**
 * Active health checks, for operators who want them (`routing.healthCheckSeconds`): every interval,
 * each chat deployment of such a model gets one cheap request (one user message "ping",
 * `max_tokens: 1`), and its outcome feeds the same DeploymentHealth as real traffic: a failure
 * that is the deployment's fault counts towards its cooldown (or ends a cooldown's trial badly), a
 * success ends a trial and updates its latency. So a dead deployment is found before a client's
 * request is sent to it, and a recovered one is seen again without a client's request.
 *
 * A check costs what any request costs: it is recorded in the spend store under the tag
 * `gw:health-check` (no key, no team, so no budget pays for it). Checks of one deployment never
 * overlap (a check still running skips the next tick); deployments served by several models are
 * checked once. Wildcard models are not checked (they have no model name of their own), nor
 * embeddings-only deployments.
 */
import { createAttemptControl } from "./attempt-control.ts";
import { type DeploymentHealth, defaultHealthPolicy } from "./deployment-health.ts";
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import type { Logger } from "../http/logger.ts";
import { routeFor } from "./route-endpoints.ts";
import { computeCost, usageFields } from "../spend/cost.ts";
import type { RuntimeDeployment, RuntimePlan, RuntimeRoute } from "../start/plan.ts";
import type { FetchFunction, SpendStore } from "../stores/ports.ts";
import { completeUpstream, internalError } from "../upstream/upstream.ts";

export const healthCheckTag = "gw:health-check";

export interface HealthCheckDeps {
  plan: RuntimePlan;
  health: DeploymentHealth;
  fetch: FetchFunction;
  store: SpendStore;
  logger: Logger;
  now(): number;
}

export interface HealthChecks {
  /** Checks every deployment due now, once (tests; the timers call it too). Resolves when they have ended. */
  runOnce(): Promise<void>;
  stop(): void;
}

interface Check {
  route: RuntimeRoute;
  target: RuntimeDeployment;
  intervalMs: number;
  running: boolean;
  /** The last outcome (null: none yet), so a change of state is logged once. */
  healthy: boolean | null;
  refusalLogged: boolean;
}

/** The deployments to check, one entry per deployment id; empty when no model asks for checks. */
function checksOf(plan: RuntimePlan): Check[] {
  const checks = new Map<string, Check>();
  for (const route of plan.routes.values()) {
    const intervalMs = route.routing?.healthCheckMs ?? 0;
    if (intervalMs <= 0) continue;
    const chat = routeFor(route, "chat");
    for (const target of chat?.deployments ?? []) {
      const known = checks.get(target.deployment.id);
      if (known === undefined) checks.set(target.deployment.id, { route, target, intervalMs, running: false, healthy: null, refusalLogged: false });
      else known.intervalMs = Math.min(known.intervalMs, intervalMs);
    }
  }
  return [...checks.values()];
}

let counter = 0;

async function runCheck(check: Check, deps: HealthCheckDeps): Promise<void> {
  if (check.running) return;
  check.running = true;
  const { route, target } = check;
  const id = target.deployment.id;
  const started = deps.now();
  const requestId = `health_${started.toString(36)}_${++counter}`;
  const request: ChatCompletionRequest = { model: route.name, messages: [{ role: "user", content: "ping" }], max_tokens: 1 };
  const control = createAttemptControl(undefined, target.deployment);
  const policy = route.routing?.health ?? defaultHealthPolicy;
  let status = 200;
  let error: GatewayError | null = null;
  let usage: Awaited<ReturnType<typeof completeUpstream>>["converted"]["usage"] | null = null;
  deps.health.begin(id);
  try {
    const completed = await completeUpstream({
      target,
      request,
      context: { requestId, created: Math.floor(started / 1000), publicModel: route.name },
      fetch: deps.fetch,
      control,
    });
    usage = completed.converted.usage;
  } catch (caught) {
    error = caught instanceof GatewayError ? caught : internalError(caught);
    status = error.status;
  } finally {
    control.dispose();
    deps.health.end(id);
    check.running = false;
  }
  const ended = deps.now();
  if (error === null) deps.health.succeeded(id, ended - started, ended, false, usage?.outputTokens ?? 1);
  else deps.health.failed(id, error, policy, ended);
  if (error === null || error.retryable) {
    const healthy = error === null;
    if (healthy !== (check.healthy ?? true)) {
      if (healthy) deps.logger.info(`health check: deployment "${id}" answers again`);
      else deps.logger.warn(`health check: deployment "${id}" failed: ${error?.code ?? error?.type} (HTTP ${status})`);
    }
    check.healthy = healthy;
  } else if (!check.refusalLogged) {
    // The check request itself was refused (e.g. a model that takes no max_tokens): it says nothing of the deployment.
    check.refusalLogged = true;
    deps.logger.warn(`health check: deployment "${id}" refused the check request (HTTP ${status}, ${error.code ?? error.type}); it does not count against the deployment`);
  }
  deps.store.record({
    requestId,
    timestamp: started,
    team: null,
    keyName: null,
    model: route.name,
    deployment: id,
    provider: target.deployment.provider,
    ...usageFields(usage),
    costUsd: usage === null ? 0 : computeCost(usage, target.price),
    latencyMs: ended - started,
    status,
    stream: false,
    tags: [healthCheckTag],
    errorType: error === null ? null : (error.code ?? error.type),
  });
}

/** Starts the timers (unref'd: they never keep the process alive); null when no model asks for checks. */
export function startHealthChecks(deps: HealthCheckDeps): HealthChecks | null {
  const checks = checksOf(deps.plan);
  if (checks.length === 0) return null;
  const timers = checks.map((check) => {
    const timer = setInterval(() => void runCheck(check, deps), check.intervalMs);
    timer.unref?.();
    return timer;
  });
  return {
    runOnce: () => Promise.all(checks.map((check) => runCheck(check, deps))).then(() => undefined),
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
