/**
 * The cooldown defaults (LiteLLM's: allowed_fails 3, cooldown_time 5 s, failures counted per
 * minute): what a `routing` block leaves unset (compiler/normalize.ts), and what the runtime
 * applies to a route whose bundle has no `routing` (runtime/routing/deployment-health.ts).
 */
export const defaultCooldowns = { allowedFails: 3, cooldownMs: 5_000, failureWindowMs: 60_000 } as const;
