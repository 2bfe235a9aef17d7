/**
 * The in-process RateLimiter (the embedded default, and the fallback while Redis is
 * unreachable). JavaScript runs one call at a time, so each `acquire` is atomic: it reads every
 * subject's counts, decides, and counts the request against all of them before returning, with no
 * await in between. Rules: rate-limit-rules.ts.
 */
import type { LimitSettings, RateLimiter, Subject, SubjectCounts } from "../ports.ts";
import {
  defaultSlotTtlMs,
  findRefusal,
  limitedSubjects,
  subjectName,
  toLimitDecision,
  toTokenCount,
  usesWindow,
  windowMs,
  windowStartOf,
} from "../../limits/rate-limit-rules.ts";

export interface MemoryRateLimiterOptions {
  /** A parallel slot never released frees itself after this long (ms). Default 10 minutes. */
  slotTtlMs?: number;
}

interface SubjectState {
  windowStart: number;
  requests: number;
  tokens: number;
  /** Ticket -> time its slot expires. */
  slots: Map<string, number>;
}

interface Ticket {
  acquiredAt: number;
  windowStart: number;
  estimate: number;
  /** States whose window counted the request. */
  windows: SubjectState[];
  /** States holding a slot for the request. */
  slots: SubjectState[];
}

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const slotTtlMs = options.slotTtlMs ?? defaultSlotTtlMs;
  const states = new Map<string, SubjectState>();
  /** In acquisition order, so the oldest come first when sweeping. */
  const tickets = new Map<string, Ticket>();
  let ticketCounter = 0;

  const stateOf = (subject: Subject): SubjectState => {
    const name = subjectName(subject);
    let state = states.get(name);
    if (state === undefined) {
      state = { windowStart: 0, requests: 0, tokens: 0, slots: new Map() };
      states.set(name, state);
    }
    return state;
  };

  const countsOf = (state: SubjectState, windowStart: number, now: number): SubjectCounts => {
    if (state.windowStart !== windowStart) {
      state.windowStart = windowStart;
      state.requests = 0;
      state.tokens = 0;
    }
    for (const [ticket, expiresAt] of state.slots) if (expiresAt <= now) state.slots.delete(ticket);
    return { requests: state.requests, tokens: state.tokens, inFlight: state.slots.size };
  };

  let nextSweep = 0;
  /**
   * Once a minute: forget tickets whose slots have expired (they can no longer be released
   * meaningfully) and subjects with nothing counted (clients choose customer ids: without this
   * the map would grow without bound).
   */
  const sweep = (now: number): void => {
    if (now < nextSweep) return;
    nextSweep = now + windowMs;
    for (const [id, ticket] of tickets) {
      if (ticket.acquiredAt + slotTtlMs > now) break;
      tickets.delete(id);
    }
    const currentWindow = windowStartOf(now);
    for (const [name, state] of states) {
      if (state.windowStart < currentWindow && state.slots.size === 0) states.delete(name);
    }
  };

  return {
    description: "in-process rate limits (this process only)",
    isClusterWide: () => false,

    async acquire(subjects: ReadonlyArray<{ subject: Subject; limits: LimitSettings }>, estimatedTokens: number, now: number) {
      const limited = limitedSubjects(subjects);
      if (limited.length === 0) return { allowed: true, ticket: null };
      sweep(now);
      const estimate = toTokenCount(estimatedTokens);
      const windowStart = windowStartOf(now);
      const subjectStates = limited.map(({ subject }) => stateOf(subject));
      const counts = subjectStates.map((state) => countsOf(state, windowStart, now));
      const refusal = findRefusal(limited, counts, estimate);
      const decision = toLimitDecision(limited, counts, estimate, now, refusal);
      if (refusal !== null) return { ...decision, ticket: null };

      const id = `m${++ticketCounter}`;
      const ticket: Ticket = { acquiredAt: now, windowStart, estimate, windows: [], slots: [] };
      limited.forEach(({ limits }, index) => {
        const state = subjectStates[index]!;
        if (usesWindow(limits)) {
          state.requests += 1;
          state.tokens += estimate;
          ticket.windows.push(state);
        }
        if (limits.parallel >= 0) {
          state.slots.set(id, now + slotTtlMs);
          ticket.slots.push(state);
        }
      });
      tickets.set(id, ticket);
      return { ...decision, ticket: id };
    },

    async release(ticketId: string, actualTokens: number) {
      const ticket = tickets.get(ticketId);
      if (ticket === undefined) return;
      tickets.delete(ticketId);
      const correction = toTokenCount(actualTokens) - ticket.estimate;
      for (const state of ticket.windows) {
        // Only the window the request was counted in is corrected; a later one never held it.
        if (state.windowStart === ticket.windowStart) state.tokens = Math.max(0, state.tokens + correction);
      }
      for (const state of ticket.slots) state.slots.delete(ticketId);
    },

    async usage(subjects: readonly Subject[], now: number) {
      const windowStart = windowStartOf(now);
      return subjects.map((subject) => {
        // Read only: an unknown subject gets no state, an old window and expired slots are left for acquire or the sweep.
        const state = states.get(subjectName(subject));
        if (state === undefined) return { requests: 0, tokens: 0, inFlight: 0 };
        let inFlight = 0;
        for (const expiresAt of state.slots.values()) if (expiresAt > now) inFlight++;
        const current = state.windowStart === windowStart;
        return { requests: current ? state.requests : 0, tokens: current ? state.tokens : 0, inFlight };
      });
    },
  };
}
