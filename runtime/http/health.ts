/**
 * Health probes (not logged: orchestrators call them every few seconds). Liveness: the process
 * answers. Readiness: the spend store takes writes and every key, team, user and customer has
 * been loaded once; it also says whether limits and budgets are shared by the cluster (Redis) or,
 * while Redis is unreachable or not configured, kept per process: the signal to alert on.
 */
import type { Enforcement } from "../governance/enforcement.ts";
import type { SpendStore } from "../stores/ports.ts";
import type { DeploymentState } from "../routing/deployment-states.ts";

function json(value: unknown, status: number): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

export function liveness(): Response {
  return json({ status: "ok" }, 200);
}

/** Each deployment's state as this process sees it (routing/deployment-states.ts). */
export type DeploymentStates = () => Record<string, DeploymentState>;

export function createReadiness(store: SpendStore, enforcement: Enforcement, deployments?: DeploymentStates): () => Promise<Response> {
  return async () => {
    let storeOk: boolean;
    try {
      storeOk = store.healthy === undefined ? true : await store.healthy();
    } catch {
      storeOk = false;
    }
    const budgetsLoaded = enforcement.cache.isReady();
    const ready = storeOk && budgetsLoaded;
    return json(
      {
        status: ready ? "ready" : "not_ready",
        store: storeOk ? "ok" : "unavailable",
        budgets: budgetsLoaded ? "loaded" : "loading",
        limits: enforcement.limiter.isClusterWide() && enforcement.ledger.isClusterWide?.() === true ? "cluster-wide" : "per-process",
        // Not part of readiness: a cooling-down deployment is routed around, the process still serves.
        ...(deployments === undefined ? {} : { deployments: deployments() }),
      },
      ready ? 200 : 503,
    );
  };
}
