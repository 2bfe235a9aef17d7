/**
 * Which of a route's deployments serve which endpoint, decided from the bundle (the providers'
 * capabilities and the deployments' models), never by sending a request and retrying on its 400.
 *
 * - embeddings: deployments whose provider has an embeddings API; when some of them serve an
 *   embeddings model by name (`embeddingsModelPattern`), only those.
 * - chat: deployments that do not serve an embeddings model by name.
 * A model whose name says nothing (a self-hosted "BAAI/bge-m3") serves both, as before.
 *
 * The narrowed route keeps the deployments' relative weights (renormalized cumulative weights)
 * and the route's fallbacks and retry policy; it is the route itself when nothing is left out,
 * and null when no deployment serves the endpoint. Computed once per route object (WeakMap).
 */
import type { RuntimeDeployment, RuntimeRoute } from "../start/plan.ts";

export type Endpoint = "chat" | "embeddings";

/** Model names of embeddings models across providers: text-embedding-3-small, embed-english-v3.0, amazon.titan-embed-text-v2:0, gemini-embedding-001, nomic-embed-text, mistral-embed. */
export const embeddingsModelPattern = /embed/i;

/** Whether the deployment serves an embeddings model by name (so not chat). */
export function isEmbeddingsModel(target: RuntimeDeployment): boolean {
  return embeddingsModelPattern.test(target.deployment.model);
}

function servingDeployments(route: RuntimeRoute, endpoint: Endpoint): number[] {
  const indexes: number[] = [];
  if (endpoint === "chat") {
    route.deployments.forEach((target, index) => {
      if (!isEmbeddingsModel(target)) indexes.push(index);
    });
    return indexes;
  }
  const capable: number[] = [];
  route.deployments.forEach((target, index) => {
    if (target.adapter.embeddings === undefined) return;
    capable.push(index);
    if (isEmbeddingsModel(target)) indexes.push(index);
  });
  return indexes.length > 0 ? indexes : capable;
}

/** The route with only the deployments at `indexes`, weights renormalized; itself when all are kept, null when none is. */
export function narrowRoute(route: RuntimeRoute, indexes: readonly number[]): RuntimeRoute | null {
  if (indexes.length === 0) return null;
  if (indexes.length === route.deployments.length) return route;
  const weights = indexes.map((index) => (route.cumulativeWeights[index] as number) - (index === 0 ? 0 : (route.cumulativeWeights[index - 1] as number)));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let running = 0;
  const cumulativeWeights = weights.map((weight, position) => {
    running += weight;
    // Equal shares when the kept deployments all had weight 0; the last entry is exactly 1.
    return position === weights.length - 1 ? 1 : total > 0 ? running / total : (position + 1) / weights.length;
  });
  return { ...route, deployments: indexes.map((index) => route.deployments[index] as RuntimeDeployment), cumulativeWeights };
}

const views: Record<Endpoint, WeakMap<RuntimeRoute, RuntimeRoute | null>> = { chat: new WeakMap(), embeddings: new WeakMap() };

/** The route narrowed to the deployments that serve `endpoint`; null when none does. */
export function routeFor(route: RuntimeRoute, endpoint: Endpoint): RuntimeRoute | null {
  const cache = views[endpoint];
  let view = cache.get(route);
  if (view === undefined) {
    view = narrowRoute(route, servingDeployments(route, endpoint));
    cache.set(route, view);
  }
  return view;
}
