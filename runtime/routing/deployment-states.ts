/**
 * What an operator sees of each deployment: its state as this process knows it (healthy, cooling
 * down until T), requests in flight, moving-average latency and recent error rate
 * (deployment-health.ts). One view for `/health/readiness` (keyed by deployment id) and the admin
 * API's `GET /deployments` (a list, with the model, provider and routing settings).
 */
import type { DeploymentHealth } from "./deployment-health.ts";
import type { RuntimeDeployment, RuntimePlan, RuntimeRoute } from "../start/plan.ts";

export interface DeploymentState {
  state: "healthy" | "cooling_down";
  /** ISO time its cooldown ends; only while cooling down. */
  cooling_until?: string;
  in_flight: number;
  /** Moving average in ms; null until a request was measured. */
  latency_ms: number | null;
  /** Attempts that ended in this minute and the one before. */
  recent_requests: number;
  /** Share of those that failed by the deployment's fault (5xx, 429, timeouts, connection errors); null without any. */
  error_rate: number | null;
}

export interface DeploymentEntry extends DeploymentState {
  id: string;
  /** The public model (or wildcard pattern) it serves. */
  model: string;
  provider: string;
  upstream_model: string;
  order: number;
  tags: string[];
  max_input_tokens: number | null;
  limits: { rpm: number | null; tpm: number | null; parallel: number | null } | null;
}

export function stateOf(health: DeploymentHealth, id: string, now: number): DeploymentState {
  const until = health.coolingUntil(id, now);
  const latency = health.latencyMs(id);
  const { requests, errors } = health.recentOutcomes(id, now);
  return {
    state: until > 0 ? "cooling_down" : "healthy",
    ...(until > 0 ? { cooling_until: new Date(until).toISOString() } : {}),
    in_flight: health.inFlight(id),
    latency_ms: latency < 0 ? null : Math.round(latency),
    recent_requests: requests,
    error_rate: requests === 0 ? null : Math.round((errors / requests) * 1000) / 1000,
  };
}

/** Every deployment of the plan once (a deployment id is unique across the config), with its route. */
export function planDeployments(plan: RuntimePlan): Array<{ route: RuntimeRoute; target: RuntimeDeployment }> {
  const seen = new Set<string>();
  const entries: Array<{ route: RuntimeRoute; target: RuntimeDeployment }> = [];
  for (const route of [...plan.routes.values(), ...plan.wildcardRoutes]) {
    for (const target of route.deployments) {
      if (seen.has(target.deployment.id)) continue;
      seen.add(target.deployment.id);
      entries.push({ route, target });
    }
  }
  return entries;
}

/** `/health/readiness`'s `deployments`: state by deployment id. */
export function deploymentStates(plan: RuntimePlan, health: DeploymentHealth, now: () => number): () => Record<string, DeploymentState> {
  const ids = planDeployments(plan).map(({ target }) => target.deployment.id);
  return () => {
    const at = now();
    const states: Record<string, DeploymentState> = {};
    for (const id of ids) states[id] = stateOf(health, id, at);
    return states;
  };
}

/** The admin API's `GET /deployments`: every deployment with its settings and state, in config order. */
export function deploymentList(plan: RuntimePlan, health: DeploymentHealth, now: () => number): () => DeploymentEntry[] {
  const entries = planDeployments(plan);
  return () => {
    const at = now();
    return entries.map(({ route, target }) => {
      const limits = target.limits?.[0]?.limits ?? null;
      return {
        id: target.deployment.id,
        model: route.name,
        provider: target.deployment.provider,
        upstream_model: target.deployment.model,
        order: target.order ?? 1,
        tags: target.tags === undefined ? [] : [...target.tags],
        max_input_tokens: target.maxInputTokens ?? null,
        limits: limits === null ? null : { rpm: limits.rpmLimit, tpm: limits.tpmLimit, parallel: limits.maxParallelRequests },
        ...stateOf(health, target.deployment.id, at),
      };
    });
  };
}
