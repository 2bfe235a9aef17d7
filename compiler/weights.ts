/**
 * Cumulative normalized weights for picking a deployment: ascending, same length as
 * `weights`, last entry exactly 1. The runtime picks the first index i with
 * `random() < cumulative[i]`, so an entry equal to its predecessor (weight 0) is never
 * picked, and neither is a trailing 0-weight entry (every draw is caught earlier).
 * Requires a positive total; the compiler reports a zero total (GW1204) before this runs.
 */
export function cumulativeWeights(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (!(total > 0)) throw new RangeError("cumulativeWeights needs a positive total weight");
  const lastPositive = weights.findLastIndex((weight) => weight > 0);
  let running = 0;
  return weights.map((weight, index) => {
    running += weight;
    // From the last positive weight on, pin to exactly 1 so rounding can never leave a gap below 1.
    return index >= lastPositive ? 1 : running / total;
  });
}
