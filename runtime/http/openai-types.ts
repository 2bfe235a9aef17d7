/**
 * The OpenAI Chat Completions wire shapes gw accepts and returns: only what gw reads or
 * writes. The authority is OpenAI's OpenAPI description (CreateChatCompletionRequest,
 * CreateChatCompletionResponse, CreateChatCompletionStreamResponse); tests validate gw's
 * outputs against the subset kept in schemas/openai/.
 */

export type JsonObject = { [key: string]: unknown };

export interface TextPart {
  type: "text";
  text: string;
}

export interface ImagePart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

export type ContentPart = TextPart | ImagePart | { type: string; [key: string]: unknown };

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: "system" | "developer";
  content: string | TextPart[];
  name?: string;
}

export interface UserMessage {
  role: "user";
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: "assistant";
  content?: string | TextPart[] | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  name?: string;
}

export interface ToolMessage {
  role: "tool";
  content: string | TextPart[];
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonObject; strict?: boolean | null };
}

export type ToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } };

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: { type: "text" | "json_object" | "json_schema"; json_schema?: JsonObject };
  [key: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
}

/**
 * Usage as gw accounts for it. The four billed counts are disjoint, so
 * cost = inputTokens * input price + cacheReadTokens * cache-read price
 *      + cacheWriteTokens * cache-write price + outputTokens * output price.
 * - `inputTokens`: prompt tokens neither read from nor written to the provider's cache
 *   (OpenAI: prompt_tokens - cached_tokens; Anthropic: input_tokens).
 * - `cacheReadTokens`: prompt tokens served from the cache (OpenAI cached_tokens,
 *   Anthropic cache_read_input_tokens).
 * - `cacheWriteTokens`: prompt tokens written to the cache; Anthropic bills them
 *   separately (cache_creation_input_tokens); it is not part of the OpenAI wire usage.
 * - `outputTokens`: every generated token, reasoning included.
 * - `reasoningTokens`: the part of `outputTokens` spent on reasoning; informational, never
 *   priced a second time.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** One output token's log probability, with the most likely alternatives at that position. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** The token's UTF-8 bytes (null when it has none, e.g. part of a multi-byte character). */
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** `choices[].logprobs` when the client asked for `logprobs: true`. */
export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: TokenLogprob[] | null;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal: string | null;
      tool_calls?: ToolCall[];
    };
    finish_reason: FinishReason;
    logprobs: ChoiceLogprobs | null;
  }>;
  usage?: Usage;
  system_fingerprint?: string | null;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ToolCallDelta[];
    };
    finish_reason: FinishReason | null;
    logprobs?: ChoiceLogprobs | null;
  }>;
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

/** @see https://platform.openai.com/docs/api-reference/embeddings/create */
export interface EmbeddingsRequest {
  model: string;
  /** One text, many texts, or token arrays (only providers that accept tokens take those). */
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
  [key: string]: unknown;
}

export interface Embedding {
  object: "embedding";
  index: number;
  /** Floats, or base64 of little-endian float32s when `encoding_format` was "base64". */
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * The legacy completions wire shapes (CreateCompletionResponse in OpenAI's OpenAPI
 * description): the same object for a whole answer and for each stream chunk.
 * @see https://platform.openai.com/docs/api-reference/completions/object
 */
export interface TextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: Array<{
    text: string;
    index: number;
    logprobs: null;
    /** null on stream chunks before the last. */
    finish_reason: "stop" | "length" | "content_filter" | null;
  }>;
  usage?: Usage | null;
  system_fingerprint?: string;
}
