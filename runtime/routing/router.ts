/**
 * Weighted random choice of a deployment, and the backoff between attempts.
 */
import type { CompiledRetry } from "../../contract/bundle.ts";
import type { RuntimeRoute } from "../start/plan.ts";

/**
 * Index of the deployment to try: the first i with r < cumulativeWeights[i]. `failed` holds
 * the indexes that already failed for this request; when some deployment has not failed, the
 * pick is among those only, still by weight.
 */
export function pickDeployment(route: RuntimeRoute, random: () => number, failed: ReadonlySet<number> | null = null): number {
  const weights = route.cumulativeWeights;
  const last = weights.length - 1;
  if (failed === null || failed.size === 0 || failed.size > last) {
    const r = random();
    for (let index = 0; index < last; index++) {
      if (r < (weights[index] as number)) return index;
    }
    return last;
  }
  let total = 0;
  for (let index = 0; index <= last; index++) {
    if (!failed.has(index)) total += (weights[index] as number) - (index === 0 ? 0 : (weights[index - 1] as number));
  }
  if (total <= 0) {
    // Every remaining deployment has weight 0: take the first one that has not failed.
    for (let index = 0; index <= last; index++) if (!failed.has(index)) return index;
    return last;
  }
  const r = random() * total;
  let cumulative = 0;
  let chosen = -1;
  for (let index = 0; index <= last; index++) {
    if (failed.has(index)) continue;
    chosen = index;
    cumulative += (weights[index] as number) - (index === 0 ? 0 : (weights[index - 1] as number));
    if (r < cumulative) return index;
  }
  return chosen;
}

/**
 * Wait before retry number `retry` (0 = the first retry): the provider's Retry-After when it
 * gave one, else full jitter over an exponential ceiling; both capped at maxBackoffMs.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffMs(retry: number, policy: CompiledRetry, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxBackoffMs);
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
