/**
 * Claude's extended thinking rules, wherever Claude is served: Anthropic's Messages API, Vertex AI
 * (the same body) and Bedrock Converse (`additionalModelRequestFields.thinking`).
 *
 * - The budget comes from an Anthropic-style `thinking` object, or from `reasoning_effort`
 *   with LiteLLM's budgets (minimal/low 1024, medium 2048, high 4096); "none" asks for no thinking.
 * - Anthropic's rules with thinking: the budget is at least 1024 and below max_tokens (a smaller
 *   max_tokens than the minimum drops thinking, with a warning: gw never raises the client's
 *   max_tokens, which budgets reserve against); no temperature but 1, top_p at least 0.95; no
 *   forced tool (a client's forced tool_choice or a response-format tool keeps its force and
 *   thinking is dropped).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ReasoningRequest } from "../shared/reasoning-request.ts";
import { isRecord } from "./anthropic-api.ts";
import { isGeminiSignature } from "../gemini/thinking.ts";
import type { AnthropicThinkingBlock } from "./anthropic-api.ts";

/** Thinking budgets for OpenAI's reasoning_effort (LiteLLM's values; Anthropic's minimum is 1024). */
const effortBudgets: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096 };
export const minimumThinkingBudget = 1024;

export interface ClaudeSampling {
  maxTokens: number;
  temperature: number | undefined;
  topP: number | undefined;
  /** The request forces a tool (tool_choice required or a named function, or a response-format tool). */
  forcedTool: boolean;
}

export interface ClaudeThinking {
  budgetTokens: number;
  /** The sampling parameters to send with thinking on (changes were warned about). */
  temperature: number | undefined;
  topP: number | undefined;
}

/** The thinking to enable, or null for none (the caller then leaves thinking blocks out of the history). */
export function resolveClaudeThinking(
  reasoning: ReasoningRequest | null,
  sampling: ClaudeSampling,
  provider: string,
  warnings: string[],
): ClaudeThinking | null {
  let budget: number | null = null;
  if (reasoning?.kind === "budget") {
    if (reasoning.budgetTokens < minimumThinkingBudget) {
      throw invalidRequest(`thinking.budget_tokens must be a whole number of at least ${minimumThinkingBudget}.`, "thinking.budget_tokens");
    }
    budget = reasoning.budgetTokens;
  } else if (reasoning?.kind === "effort" && reasoning.effort !== "none") {
    budget = effortBudgets[reasoning.effort] ?? null;
    if (budget === null) warnings.push(`reasoning_effort "${reasoning.effort}" dropped: ${provider} takes minimal, low, medium or high`);
  }
  if (budget === null) return null;
  if (sampling.forcedTool) {
    warnings.push(`thinking dropped: ${provider} cannot think when a tool is forced (tool_choice or response_format)`);
    return null;
  }
  if (sampling.maxTokens <= minimumThinkingBudget) {
    warnings.push(`thinking dropped: max_tokens ${sampling.maxTokens} leaves no room for ${provider}'s minimum thinking budget (${minimumThinkingBudget})`);
    return null;
  }
  let { temperature, topP } = sampling;
  if (temperature !== undefined && temperature !== 1) {
    warnings.push(`temperature ${temperature} dropped: ${provider} thinks only at temperature 1`);
    temperature = undefined;
  }
  if (topP !== undefined && topP < 0.95) {
    warnings.push(`top_p ${topP} raised to 0.95, the lowest ${provider} takes with thinking`);
    topP = 0.95;
  }
  return { budgetTokens: Math.min(budget, sampling.maxTokens - 1), temperature, topP };
}

/**
 * An assistant message's thinking blocks sent back by the client (`thinking_blocks`, as gw answers
 * them), signatures kept; a thinking block without its signature, or with Gemini's (gemini/thinking.ts:
 * a conversation that moved from Gemini to Claude), is left out (Claude would refuse it).
 */
export function readHistoryThinking(message: unknown): AnthropicThinkingBlock[] {
  const blocks = isRecord(message) ? message.thinking_blocks : undefined;
  if (!Array.isArray(blocks)) return [];
  const kept: AnthropicThinkingBlock[] = [];
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === "thinking" && typeof block.thinking === "string" && typeof block.signature === "string" && block.signature !== "" && !isGeminiSignature(block.signature)) {
      kept.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      kept.push({ type: "redacted_thinking", data: block.data });
    }
  }
  return kept;
}
