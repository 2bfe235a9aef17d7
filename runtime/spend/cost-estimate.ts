/**
 * Worst-case cost of a request, reserved against budgets before calling upstream (and its token
 * estimate, counted against tpm limits). No tokenizer: an estimate that errs high, computed in
 * microseconds.
 *
 * Prompt tokens:
 * - text: ASCII characters / 4 (OpenAI's rule of thumb for English), plus one token per
 *   non-ASCII character (CJK text and emoji run at one or more tokens per character, so chars/4
 *   would under-reserve them four times over);
 * - every message adds `tokensPerMessage` (role and separators), the request `tokensPerRequest`
 *   (the reply's priming), every tool definition `tokensPerTool` plus its JSON text;
 * - an image counts `tokensPerImage` (1,600: Anthropic's largest image without resizing, ~1.15
 *   megapixels; OpenAI's high-detail maximum is 1,445), or 85 with `detail: "low"`;
 * - other parts (audio, files) count their JSON text: base64 data errs high.
 * Output tokens: the request's `max_completion_tokens`, else `max_tokens`, else the deployment's
 * maximum output when the caller knows it, else `defaultMaxOutputTokens` (4,096, LiteLLM's
 * DEFAULT_MAX_TOKENS), times `n`; capped at what fits in the context window after the prompt
 * when the window is known (@pydantic/genai-prices records `context_window` for many models,
 * but no maximum output). A request without max_tokens can in principle produce more than the
 * default: the bound on overspending holds for requests that set it, or when the deployment's
 * maximum output is given.
 * Prices: prompt tokens at the dearer of the input and cache-write prices (a prompt may be
 * written to the cache), output at the output price. Embeddings: input tokens only.
 */
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import type { TokenPrice } from "../start/plan.ts";

export const defaultMaxOutputTokens = 4_096;
export const tokensPerMessage = 4;
export const tokensPerRequest = 3;
export const tokensPerTool = 8;
export const tokensPerImage = 1_600;
export const tokensPerLowDetailImage = 85;

export interface CostEstimate {
  promptTokens: number;
  /** Output tokens reserved (all choices). 0 for embeddings. */
  outputTokens: number;
  /** USD; 0 when the price is unknown. */
  worstCaseUsd: number;
}

export interface ChatCostOptions {
  /** The deployment's maximum output tokens, used when the request sets none. */
  maxOutputTokens?: number | null;
  /** The model's context window: the output reserved is capped at what fits after the prompt. */
  contextWindow?: number | null;
}

/** Estimated tokens of a text: ASCII characters / 4, plus one per other character. */
export function estimateTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) ascii++;
    // A surrogate pair is one character: count its first half only.
    else if (code < 0xdc00 || code > 0xdfff) other++;
  }
  return Math.ceil(ascii / 4) + other;
}

function jsonTokens(value: unknown, count: (text: string) => number = estimateTextTokens): number {
  if (value === undefined) return 0;
  try {
    return count(JSON.stringify(value) ?? "");
  } catch {
    return 0;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function contentTokens(content: unknown, count: (text: string) => number): number {
  if (typeof content === "string") return count(content);
  if (!Array.isArray(content)) return 0;
  let tokens = 0;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part["type"] === "text" && typeof part["text"] === "string") tokens += count(part["text"]);
    else if (part["type"] === "image_url") {
      const image = part["image_url"];
      tokens += isObject(image) && image["detail"] === "low" ? tokensPerLowDetailImage : tokensPerImage;
    } else tokens += jsonTokens(part, count);
  }
  return tokens;
}

/**
 * Estimated prompt tokens of a chat request (messages, tools, response format). `count` counts a
 * text's tokens: the estimate by default (errs high, for admission), a model's tokenizer where gw
 * has one (count-tokens.ts, for usage gw must establish itself).
 */
export function estimatePromptTokens(request: ChatCompletionRequest, count: (text: string) => number = estimateTextTokens): number {
  let tokens = tokensPerRequest;
  const messages: unknown = request.messages;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      if (!isObject(message)) continue;
      tokens += tokensPerMessage + contentTokens(message["content"], count);
      if (typeof message["name"] === "string") tokens += count(message["name"]);
      if (typeof message["refusal"] === "string") tokens += count(message["refusal"]);
      const toolCalls = message["tool_calls"];
      if (Array.isArray(toolCalls)) for (const call of toolCalls) tokens += tokensPerTool + jsonTokens(isObject(call) ? call["function"] : call, count);
    }
  }
  const tools: unknown = request.tools;
  if (Array.isArray(tools)) for (const tool of tools) tokens += tokensPerTool + jsonTokens(tool, count);
  if (isObject(request.response_format)) tokens += jsonTokens(request.response_format["json_schema"], count);
  return tokens;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 ? Math.floor(value) : null;
}

/** Output tokens to reserve for a chat request (all `n` choices). */
export function estimateOutputTokens(request: ChatCompletionRequest, promptTokens: number, options: ChatCostOptions = {}): number {
  let perChoice =
    positiveInteger(request.max_completion_tokens) ??
    positiveInteger(request.max_tokens) ??
    positiveInteger(options.maxOutputTokens) ??
    defaultMaxOutputTokens;
  const contextWindow = positiveInteger(options.contextWindow);
  if (contextWindow !== null) perChoice = Math.min(perChoice, Math.max(0, contextWindow - promptTokens));
  return perChoice * (positiveInteger(request.n) ?? 1);
}

function promptPrice(price: TokenPrice): number {
  return Math.max(price.input, price.cacheWrite);
}

/** Worst-case cost of a chat completion request at `price` (null: unknown price, cost 0). */
export function estimateChatCost(request: ChatCompletionRequest, price: TokenPrice | null, options: ChatCostOptions = {}): CostEstimate {
  const promptTokens = estimatePromptTokens(request);
  const outputTokens = estimateOutputTokens(request, promptTokens, options);
  const worstCaseUsd = price === null ? 0 : promptTokens * promptPrice(price) + outputTokens * price.output;
  return { promptTokens, outputTokens, worstCaseUsd };
}

/** Estimated tokens of an embeddings `input`: texts as above, token-id arrays by their length. */
export function estimateEmbeddingTokens(input: unknown): number {
  if (typeof input === "string") return estimateTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let tokens = 0;
  for (const item of input) {
    if (typeof item === "string") tokens += estimateTextTokens(item);
    else if (typeof item === "number") tokens += 1;
    else if (Array.isArray(item)) tokens += item.length;
  }
  return tokens;
}

/** Worst-case cost of an embeddings request: input tokens only. */
export function estimateEmbeddingCost(input: unknown, price: TokenPrice | null): CostEstimate {
  const promptTokens = estimateEmbeddingTokens(input);
  return { promptTokens, outputTokens: 0, worstCaseUsd: price === null ? 0 : promptTokens * price.input };
}
