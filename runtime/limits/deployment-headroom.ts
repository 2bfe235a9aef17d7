/**
 * How much room each deployment of a route has left this minute against its own `rpmLimit` and
 * `tpmLimit`, for the `usage` routing strategy (routing/strategies.ts). Read once per pick, with
 * one RateLimiter.usage call for all of the route's limited deployments (one Redis round trip):
 * cluster-wide when the limiter is.
 *
 * A deployment's headroom is the share of its tightest window limit left once this request is
 * counted: min(1 - (requests + 1) / rpm, 1 - (tokens + estimate) / tpm), floored at 0, so the
 * last request a limit allows has headroom 0 and is still sent. It is `atLimit` when the limiter
 * would refuse the request (rate-limit-rules.ts windowRefusal): that deployment is skipped before
 * the call. A deployment without rpm or tpm has headroom 1; `maxParallelRequests` is not headroom
 * (acquire checks it). The read is a snapshot, not a hold: acquire on the deployment picked stays
 * the atomic check when requests race for the last of a limit.
 */
import type { SubjectCounts } from "../stores/ports.ts";
import type { DeploymentLimits, DeploymentLimitSubjects } from "./deployment-limits.ts";
import { limitedSubjects, toTokenCount, usesWindow, windowRefusal, type LimitedSubject, type NumericLimits } from "./rate-limit-rules.ts";

/** The headroom of a deployment the limiter would refuse. */
export const atLimit = -1;

/** Headroom against one subject's window limits; `estimate` is the request's tokens as acquire counts them. */
export function headroomOf(limits: NumericLimits, count: SubjectCounts, estimate: number): number {
  if (windowRefusal(limits, count, estimate) !== null) return atLimit;
  // Not refused: requests < rpm and tokens < tpm, so neither limit is 0 here.
  let room = 1;
  if (limits.rpm >= 0) room = Math.min(room, 1 - (count.requests + 1) / limits.rpm);
  if (limits.tpm >= 0) room = Math.min(room, 1 - (count.tokens + estimate) / limits.tpm);
  return Math.max(0, room);
}

/**
 * The headroom of each of `deployments` at `now`, by index, or null when none has rpm or tpm (nothing to
 * read) or the limiter failed (reported to `onError`): the pick is then by weight.
 */
export async function readHeadroom(
  limits: DeploymentLimits,
  deployments: ReadonlyArray<{ readonly limits?: DeploymentLimitSubjects | null }>,
  estimatedTokens: number,
  now: number,
): Promise<number[] | null> {
  const windowed: LimitedSubject[] = [];
  const owners: number[] = [];
  deployments.forEach((target, index) => {
    if (target.limits === null || target.limits === undefined) return;
    for (const entry of limitedSubjects(target.limits)) {
      if (!usesWindow(entry.limits)) continue;
      windowed.push(entry);
      owners.push(index);
    }
  });
  if (windowed.length === 0) return null;
  let counts: SubjectCounts[];
  try {
    counts = await limits.limiter.usage(windowed.map((entry) => entry.subject), now);
  } catch (error) {
    limits.onError?.(error);
    return null;
  }
  const estimate = toTokenCount(estimatedTokens);
  const headroom = deployments.map(() => 1);
  windowed.forEach((entry, position) => {
    const index = owners[position]!;
    headroom[index] = Math.min(headroom[index]!, headroomOf(entry.limits, counts[position]!, estimate));
  });
  return headroom;
}
