/**
 * Which deployment of a route the next attempt goes to. Pure: the inputs are the route, what
 * DeploymentHealth knows, the clock and a random source. The default path (weighted, nothing
 * excluded or cooling down, one priority) is router.ts's weighted pick and one small object.
 *
 * 1. Candidates: the deployments not excluded for this request (failed, or at their rate
 *    limit); when every one is excluded, all of them.
 * 2. Cooling down (deployment-health.ts): skipped; when every candidate is cooling down, the one
 *    whose cooldown ends first is tried rather than failing at once.
 *    At the limit (usage strategy, by `headroom`): skipped and reported in `limited`; when every
 *    candidate left is at its limit, `index` is one of them and is in `limited` too: nothing on
 *    this model can be sent (the executor then moves on, as when acquire refuses).
 * 3. Priority: only the candidates of the lowest `order` left (order 2 only when every order 1
 *    deployment is excluded or cooling down).
 * 4. Strategy, among those:
 *    - weighted: random by configured weight (the default);
 *    - least-busy: fewest requests in flight in this process, ties by weight;
 *    - latency: lowest moving-average latency for the request's kind: time to first token for
 *      streams, total time per output token otherwise (a long answer is not a slow deployment);
 *      deployments within `latencyTolerance` of the best share the load by weight;
 *      a deployment never measured is tried first, and `latencyProbeRate` of the picks go to any
 *      candidate by weight, so a recovered deployment is measured again;
 *    - cost: cheapest by the bundle's price (input plus output per token; unpriced last), ties by weight;
 *    - usage: most headroom against the deployments' own rpm/tpm limits this minute
 *      (limits/deployment-headroom.ts); those within `usageTolerance` of the best share the load
 *      by weight; without headroom (no limits to read, or the read failed), by weight.
 */
import type { RuntimeRoute } from "../start/plan.ts";
import type { DeploymentHealth } from "./deployment-health.ts";
import { pickDeployment } from "./router.ts";

export type RoutingStrategy = "weighted" | "least-busy" | "latency" | "cost" | "usage";

/** Deployments whose latency is within this fraction above the best share the load. */
export const latencyTolerance = 0.1;
/** Share of latency-routed picks that go to any candidate, so every deployment keeps being measured. */
export const latencyProbeRate = 0.05;
/**
 * Deployments whose headroom is within this much (a share of their limits) of the best share the
 * load by weight: requests that read the same counts at once (other replicas, concurrent picks)
 * spread over the nearly-best instead of all landing on one, and weights still split deployments
 * that are about equally free.
 */
export const usageTolerance = 0.05;

export interface ChoiceContext {
  strategy: RoutingStrategy;
  health: DeploymentHealth;
  now: number;
  random: () => number;
  /** Indexes excluded for this request; null: none. */
  excluded: ReadonlySet<number> | null;
  /** latency: the request streams (compare time to first token, not time per output token). */
  stream?: boolean;
  /** usage: each deployment's headroom by index (limits/deployment-headroom.ts; below 0: at its limit); absent or null: none known. */
  headroom?: readonly number[] | null;
}

export interface Choice {
  index: number;
  /** Candidates skipped because they were cooling down (empty on the default path: shared array). */
  cooling: readonly number[];
  /** Candidates skipped because they were at their limit by `headroom`; contains `index` when every candidate was. */
  limited: readonly number[];
}

const none: readonly number[] = [];

function weightOf(route: RuntimeRoute, index: number): number {
  const weights = route.cumulativeWeights;
  return (weights[index] as number) - (index === 0 ? 0 : (weights[index - 1] as number));
}

/** Random by weight among `indexes` (the first when they all weigh 0). */
function weighted(route: RuntimeRoute, indexes: readonly number[], random: () => number): number {
  if (indexes.length === 1) return indexes[0] as number;
  let total = 0;
  for (const index of indexes) total += weightOf(route, index);
  if (total <= 0) return indexes[0] as number;
  const r = random() * total;
  let cumulative = 0;
  for (const index of indexes) {
    cumulative += weightOf(route, index);
    if (r < cumulative) return index;
  }
  return indexes[indexes.length - 1] as number;
}

function orderOf(route: RuntimeRoute, index: number): number {
  return route.deployments[index]?.order ?? 1;
}

function priceOf(route: RuntimeRoute, index: number): number {
  const price = route.deployments[index]?.price ?? null;
  return price === null ? Number.POSITIVE_INFINITY : price.input + price.output;
}

/** The indexes of `indexes` whose `value` is lowest (within `slack` of it, relative). */
function lowest(indexes: readonly number[], value: (index: number) => number, slack = 0): number[] {
  let best = Number.POSITIVE_INFINITY;
  for (const index of indexes) best = Math.min(best, value(index));
  const limit = best === Number.POSITIVE_INFINITY ? best : best * (1 + slack);
  return indexes.filter((index) => value(index) <= limit);
}

/** The indexes of `indexes` whose `value` is highest, or within `slack` (absolute) of it. */
function highest(indexes: readonly number[], value: (index: number) => number, slack: number): number[] {
  let best = Number.NEGATIVE_INFINITY;
  for (const index of indexes) best = Math.max(best, value(index));
  return indexes.filter((index) => value(index) >= best - slack);
}

/** Nothing cooling down and one priority: weights alone decide. */
function plainRoute(route: RuntimeRoute, health: DeploymentHealth, now: number): boolean {
  for (const target of route.deployments) {
    if ((target.order ?? 1) !== 1 || health.coolingUntil(target.deployment.id, now) > 0) return false;
  }
  return true;
}

export function chooseDeployment(route: RuntimeRoute, context: ChoiceContext): Choice {
  const { health, now, random, excluded } = context;
  const headroom = context.headroom ?? null;
  const count = route.deployments.length;
  if (context.strategy === "weighted" && (excluded === null || excluded.size === 0) && plainRoute(route, health, now)) {
    return { index: pickDeployment(route, random, null), cooling: none, limited: none };
  }
  const allExcluded = excluded !== null && excluded.size >= count;
  let candidates: number[] | null = null;
  let cooling: number[] | null = null;
  let limited: number[] | null = null;
  let firstOrder = -1;
  let sameOrder = true;
  for (let index = 0; index < count; index++) {
    if (!allExcluded && excluded !== null && excluded.has(index)) continue;
    const target = route.deployments[index];
    if (target === undefined) continue;
    if (health.coolingUntil(target.deployment.id, now) > 0) {
      (cooling ??= []).push(index);
      continue;
    }
    if (headroom !== null && (headroom[index] ?? 1) < 0) {
      (limited ??= []).push(index);
      continue;
    }
    (candidates ??= []).push(index);
    const order = target.order ?? 1;
    if (firstOrder < 0) firstOrder = order;
    else if (order !== firstOrder) sameOrder = false;
  }
  if (candidates === null && cooling === null && limited !== null) return { index: limited[0] as number, cooling: none, limited };
  if (candidates === null) {
    // Every candidate is cooling down (or at its limit): the one that recovers first.
    let best = 0;
    let bestUntil = Number.POSITIVE_INFINITY;
    for (const index of cooling ?? none) {
      const until = health.coolingUntil(route.deployments[index]!.deployment.id, now);
      if (until < bestUntil) {
        best = index;
        bestUntil = until;
      }
    }
    return { index: best, cooling: cooling ?? none, limited: limited ?? none };
  }
  let pool: number[] = candidates;
  if (!sameOrder) {
    const minOrder = Math.min(...pool.map((index) => orderOf(route, index)));
    pool = pool.filter((index) => orderOf(route, index) === minOrder);
  }
  let index: number;
  switch (context.strategy) {
    case "least-busy":
      index = weighted(route, lowest(pool, (each) => health.inFlight(route.deployments[each]!.deployment.id)), random);
      break;
    case "latency": {
      const stream = context.stream === true;
      const latency = (each: number): number => health.routingLatency(route.deployments[each]!.deployment.id, stream);
      const unmeasured = pool.filter((each) => latency(each) < 0);
      if (unmeasured.length > 0) index = weighted(route, unmeasured, random);
      else if (random() < latencyProbeRate) index = weighted(route, pool, random);
      else index = weighted(route, lowest(pool, latency, latencyTolerance), random);
      break;
    }
    case "cost":
      index = weighted(route, lowest(pool, (each) => priceOf(route, each)), random);
      break;
    case "usage":
      index = weighted(route, headroom === null ? pool : highest(pool, (each) => headroom[each] ?? 1, usageTolerance), random);
      break;
    default:
      index = weighted(route, pool, random);
  }
  return { index, cooling: cooling ?? none, limited: limited ?? none };
}
