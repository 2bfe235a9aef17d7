/**
 * Usage as Anthropic and Bedrock Converse report it: four disjoint counts, where input tokens
 * exclude the prompt tokens read from or written to the cache. gw's TokenUsage has the same
 * shape (no reasoning count: it is part of the output); OpenAI's prompt_tokens include the
 * cached tokens and name the cache reads as `cached_tokens`.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
import type { TokenUsage, Usage } from "../../http/openai-types.ts";

export interface DisjointUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function toTokenUsage(usage: DisjointUsage): TokenUsage {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: 0,
  };
}

export function toOpenAIUsage(usage: DisjointUsage): Usage {
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens,
    total_tokens: prompt + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
  };
}
