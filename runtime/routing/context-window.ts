/**
 * Fallbacks beyond "the model failed": a prompt too large for a model, and a request an upstream
 * refused for content policy reasons. Decided here, once, for the retry loop (execute.ts):
 *
 * - Before any call: a deployment whose `maxInputTokens` (the config's, else the model's context
 *   window in the price data) is below the request's estimated prompt is left out of the route
 *   (`routeForPrompt`). When no deployment of a model fits and the model has
 *   `contextWindowFallbacks`, the request goes there without calling it; when it has none, the
 *   model is tried as it is (the estimate errs high: the upstream decides).
 * - After a call: an upstream error that says the prompt is too long, or that a content filter
 *   refused it (`fallbackReasonOf`), sends the request to the model's `contextWindowFallbacks` or
 *   `contentPolicyFallbacks`. Without such a chain the error is the answer, as any client error.
 *   Neither kind of error cools a deployment down (they are the request's fault, not retryable).
 */
import type { GatewayError } from "../http/errors.ts";
import type { RuntimeRoute } from "../start/plan.ts";
import { narrowRoute } from "./route-endpoints.ts";

export type FallbackReason = "context-window" | "content-policy";

/** Whether any deployment of the route knows its window (else no prompt estimate is needed). */
export function routeHasWindows(route: RuntimeRoute): boolean {
  for (const target of route.deployments) if (target.maxInputTokens !== undefined) return true;
  return false;
}

/**
 * The route narrowed to the deployments a prompt of `promptTokens` fits (an unknown window fits):
 * the route itself when all fit, null when none does.
 */
export function routeForPrompt(route: RuntimeRoute, promptTokens: number): RuntimeRoute | null {
  let fitting: number[] | null = null;
  const count = route.deployments.length;
  for (let index = 0; index < count; index++) {
    const window = route.deployments[index]!.maxInputTokens;
    if (window !== undefined && promptTokens > window) {
      if (fitting === null) {
        fitting = [];
        for (let before = 0; before < index; before++) fitting.push(before);
      }
    } else fitting?.push(index);
  }
  return fitting === null ? route : narrowRoute(route, fitting);
}

/** OpenAI's code for a prompt beyond the context window; other providers say it in words. */
const contextCodes = new Set(["context_length_exceeded", "model_context_window_exceeded"]);
/**
 * OpenAI, Anthropic ("prompt is too long: N tokens > M maximum"), Bedrock ("Input is too long for
 * requested model"), Gemini ("The input token count (N) exceeds the maximum number of tokens
 * allowed"), Mistral ("... too large for model with N maximum context length"), Cohere ("too many
 * tokens"), vLLM and Ollama ("maximum context length is N tokens").
 */
const contextWords =
  /context[ _-]?(length|window)|prompt is too long|input is too long|too many (input )?tokens|exceeds the maximum number of tokens|maximum (number of )?tokens allowed/i;
/** Azure's `content_filter`, OpenAI's `content_policy_violation`. */
const policyCodes = new Set(["content_filter", "content_policy_violation"]);
/** OpenAI ("rejected as a result of our safety system"), Azure, Anthropic and Bedrock ("blocked by content filtering policy"), Gemini ("SAFETY"). */
const policyWords = /content (management )?polic|content[ _-]filter|safety system|responsible ?ai polic/i;

/** Why a failed attempt should go to a special fallback chain; null: it is an ordinary failure. */
export function fallbackReasonOf(error: GatewayError): FallbackReason | null {
  if (error.retryable || error.status < 400 || error.status >= 500 || error.status === 401 || error.status === 403 || error.status === 429) return null;
  const code = error.code ?? "";
  if (contextCodes.has(code) || contextWords.test(error.message)) return "context-window";
  if (policyCodes.has(code) || policyWords.test(error.message)) return "content-policy";
  return null;
}

/** The chain a reason sends a model's requests to; undefined when it has none. */
export function chainFor(route: RuntimeRoute, reason: FallbackReason): readonly string[] | undefined {
  return reason === "context-window" ? route.contextWindowFallbacks : route.contentPolicyFallbacks;
}
