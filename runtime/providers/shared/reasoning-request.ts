/**
 * What a client asked of a model's reasoning, read the same way for every provider. Two forms
 * reach gw (LiteLLM accepts both): OpenAI's `reasoning_effort` ("none", "minimal", "low",
 * "medium", "high", ...) and an Anthropic-style `thinking` object ({type: "enabled",
 * budget_tokens} or {type: "disabled"}). When a client sends both, the `thinking` object wins:
 * it is the more precise of the two. Each provider maps the result onto its own controls (token
 * budgets, levels or efforts) and warns about what it cannot honour.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { isRecord } from "../openai/openai-api.ts";

export type ReasoningRequest =
  /** `reasoning_effort` as sent (a provider warns about a value it does not know). */
  | { kind: "effort"; effort: string }
  /** `thinking: {type: "enabled", budget_tokens}`. */
  | { kind: "budget"; budgetTokens: number }
  /** `thinking: {type: "disabled"}`. */
  | { kind: "disabled" };

/** null when the request asks nothing of reasoning. A budget that is not a positive whole number is a 400. */
export function readReasoningRequest(request: ChatCompletionRequest): ReasoningRequest | null {
  const { thinking, reasoning_effort: effort } = request as { thinking?: unknown; reasoning_effort?: unknown };
  if (isRecord(thinking)) {
    if (thinking.type === "disabled") return { kind: "disabled" };
    if (thinking.type === "enabled") {
      const budget = thinking.budget_tokens;
      if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1) {
        throw invalidRequest("thinking.budget_tokens must be a positive whole number.", "thinking.budget_tokens");
      }
      return { kind: "budget", budgetTokens: budget };
    }
    throw invalidRequest('thinking.type must be "enabled" or "disabled".', "thinking.type");
  }
  if (typeof effort === "string" && effort !== "") return { kind: "effort", effort };
  return null;
}

/** OpenAI's efforts, lowest first (Gemini's levels use the same names). */
const effortOrder: readonly string[] = ["none", "minimal", "low", "medium", "high", "xhigh"];

/**
 * The effort a thinking budget means, by the inverse of the budgets gw gives Claude for an effort
 * (anthropic/thinking.ts: low 1024, medium 2048, high 4096): under 2048 low, under 4096 medium, else high.
 */
export function effortOfBudget(budgetTokens: number): string {
  return budgetTokens < 2048 ? "low" : budgetTokens < 4096 ? "medium" : "high";
}

/** The nearest of `allowed` (lowest first) at most as high as `effort`; the lowest when all are higher or `effort` is unknown. */
export function nearestEffortAtMost(effort: string, allowed: readonly [string, ...string[]]): string {
  const wanted = effortOrder.indexOf(effort);
  let best = allowed[0];
  for (const candidate of allowed) if (effortOrder.indexOf(candidate) <= wanted) best = candidate;
  return best;
}
