/**
 * What gw knows of each deployment's recent behaviour, in this process: requests in flight,
 * latency (an exponentially weighted moving average), and failures, from which it cools a
 * deployment down (circuit breaking). The routing strategies (strategies.ts) read it; the retry
 * loop (execute.ts) writes it. Keyed by deployment id, so a wildcard route's per-model views
 * share their deployment's state.
 *
 * Cooldown rules:
 * - a failure that is the deployment's fault (retryable: 5xx, 429, timeouts, connection errors,
 *   streams cut before their first token) counts; a client error (400, 404, a refused request)
 *   never does;
 * - `allowedFails` such failures within `failureWindowMs` cool the deployment down for
 *   `cooldownMs`; a 429 with Retry-After cools it down for that long at once; `allowedFails` 0
 *   turns cooldowns off;
 * - when a cooldown ends the deployment gets trial requests; the first failure cools it down again
 *   at once, the first success makes it healthy (its failure count starts over).
 */
import { defaultCooldowns } from "../../contract/routing-defaults.ts";

export interface HealthPolicy {
  /** Failures within the window that cool a deployment down; 0 turns cooldowns off. */
  readonly allowedFails: number;
  readonly cooldownMs: number;
  readonly failureWindowMs: number;
}

export const defaultHealthPolicy: HealthPolicy = defaultCooldowns;

/** Weight of the newest latency sample in the moving average. */
export const latencyAlpha = 0.3;

/** Recent outcomes are counted per minute; the error rate covers this minute and the one before. */
const outcomeWindowMs = 60_000;

interface State {
  inFlight: number;
  /** Start of the minute `requests` and `errors` count; the previous minute's in `previous*`. */
  outcomeWindow: number;
  requests: number;
  errors: number;
  previousRequests: number;
  previousErrors: number;
  /** ms, every sample as measured (what operators see); -1 until the first sample. */
  latencyMs: number;
  /** The latency strategy's measures (-1 until sampled): streams' time to first token, and other requests' total time per output token. */
  firstTokenMs: number;
  perTokenMs: number;
  failures: number[];
  coolingUntil: number;
  /** A cooldown has ended and no request has succeeded since. */
  onTrial: boolean;
}

export interface FailureReport {
  /** The error says the deployment is at fault (GatewayError.retryable). */
  retryable: boolean;
  /** The upstream's Retry-After, when it gave one with a 429. */
  retryAfterMs?: number;
}

/**
 * Cooldowns shared with other replicas (host/redis/redis-cooldowns.ts): `publish` is called when
 * this process cools a deployment down (it must not throw or wait); `subscribe` delivers the
 * cooldowns other replicas publish.
 */
export interface CooldownShare {
  publish(deploymentId: string, until: number): void;
  subscribe(apply: (deploymentId: string, until: number) => void): void;
}

export interface DeploymentHealth {
  /** One more request in flight on the deployment; `end` ends it (call each once). */
  begin(deploymentId: string): void;
  end(deploymentId: string): void;
  /**
   * An attempt succeeded after `latencyMs`: for a stream (`stream`) its time to first token; otherwise its
   * total time, which the latency strategy divides by `outputTokens` (1 when unknown, e.g. embeddings).
   */
  succeeded(deploymentId: string, latencyMs: number, now: number, stream?: boolean, outputTokens?: number): void;
  failed(deploymentId: string, report: FailureReport, policy: HealthPolicy, now: number): void;
  inFlight(deploymentId: string): number;
  /** -1 when no request has been measured yet. */
  latencyMs(deploymentId: string): number;
  /** What the latency strategy compares for a request of this kind: time to first token (streams) or ms per output token; -1 unmeasured. */
  routingLatency(deploymentId: string, stream: boolean): number;
  /** When its cooldown ends; 0 when it is not cooling down at `now`. */
  coolingUntil(deploymentId: string, now: number): number;
  /** Attempts that ended in this minute and the one before, and how many of them failed by the deployment's fault. */
  recentOutcomes(deploymentId: string, now: number): { requests: number; errors: number };
}

/** The moving average after `sample` (the sample itself when there is none yet). */
function average(current: number, sample: number): number {
  return current < 0 ? sample : latencyAlpha * sample + (1 - latencyAlpha) * current;
}

export function createDeploymentHealth(share?: CooldownShare): DeploymentHealth {
  const states = new Map<string, State>();
  const stateOf = (id: string): State => {
    let state = states.get(id);
    if (state === undefined) {
      state = { inFlight: 0, outcomeWindow: 0, requests: 0, errors: 0, previousRequests: 0, previousErrors: 0, latencyMs: -1, firstTokenMs: -1, perTokenMs: -1, failures: [], coolingUntil: 0, onTrial: false };
      states.set(id, state);
    }
    return state;
  };
  /** Moves the outcome counters to the minute of `now`. */
  const rollOutcomes = (state: State, now: number): void => {
    const window = now - (now % outcomeWindowMs);
    if (window === state.outcomeWindow) return;
    const adjacent = window - state.outcomeWindow === outcomeWindowMs;
    state.previousRequests = adjacent ? state.requests : 0;
    state.previousErrors = adjacent ? state.errors : 0;
    state.requests = 0;
    state.errors = 0;
    state.outcomeWindow = window;
  };
  const coolDown = (state: State, until: number, id: string): void => {
    if (until > state.coolingUntil) {
      state.coolingUntil = until;
      share?.publish(id, until);
    }
    state.failures = [];
    state.onTrial = true;
  };
  // Another replica's cooldown: applied as if seen here (it is not published again).
  share?.subscribe((id, until) => {
    const state = stateOf(id);
    if (until > state.coolingUntil) {
      state.coolingUntil = until;
      state.onTrial = true;
    }
  });
  return {
    begin(id) {
      stateOf(id).inFlight++;
    },
    end(id) {
      const state = states.get(id);
      if (state !== undefined && state.inFlight > 0) state.inFlight--;
    },
    succeeded(id, latencyMs, now, stream = false, outputTokens = 1) {
      const state = stateOf(id);
      rollOutcomes(state, now);
      state.requests++;
      state.latencyMs = average(state.latencyMs, latencyMs);
      if (stream) state.firstTokenMs = average(state.firstTokenMs, latencyMs);
      else state.perTokenMs = average(state.perTokenMs, latencyMs / Math.max(1, outputTokens));
      if (now >= state.coolingUntil) {
        state.onTrial = false;
        if (state.failures.length > 0) state.failures = [];
      }
    },
    failed(id, report, policy, now) {
      const state = stateOf(id);
      rollOutcomes(state, now);
      state.requests++;
      if (!report.retryable) return;
      state.errors++;
      if (policy.allowedFails <= 0) return;
      if (report.retryAfterMs !== undefined && report.retryAfterMs > 0) {
        coolDown(state, now + report.retryAfterMs, id);
        return;
      }
      if (state.onTrial && now >= state.coolingUntil) {
        coolDown(state, now + policy.cooldownMs, id);
        return;
      }
      const since = now - policy.failureWindowMs;
      state.failures = state.failures.filter((at) => at > since);
      state.failures.push(now);
      if (state.failures.length >= policy.allowedFails) coolDown(state, now + policy.cooldownMs, id);
    },
    inFlight: (id) => states.get(id)?.inFlight ?? 0,
    latencyMs: (id) => states.get(id)?.latencyMs ?? -1,
    routingLatency(id, stream) {
      const state = states.get(id);
      if (state === undefined) return -1;
      return stream ? state.firstTokenMs : state.perTokenMs;
    },
    recentOutcomes(id, now) {
      const state = states.get(id);
      if (state === undefined) return { requests: 0, errors: 0 };
      rollOutcomes(state, now);
      return { requests: state.requests + state.previousRequests, errors: state.errors + state.previousErrors };
    },
    coolingUntil(id, now) {
      const until = states.get(id)?.coolingUntil ?? 0;
      return until > now ? until : 0;
    },
  };
}
