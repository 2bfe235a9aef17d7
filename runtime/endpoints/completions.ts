/**
 * POST /v1/completions, OpenAI's legacy dialect, mapped onto chat: the prompt becomes one user
 * message, the request then takes chat's whole path (admission, routing, retries, fallbacks,
 * spend, logs), and only the answer is converted back, to `text_completion` objects. The two
 * converters at the edge are all this dialect adds.
 *
 * Legacy features chat cannot express (`suffix`, `echo`, `best_of`, `logprobs`, token-array and
 * multiple prompts) are refused with a 400 rather than silently answered differently.
 * @see https://platform.openai.com/docs/api-reference/completions/create
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, FinishReason, TextCompletion } from "../http/openai-types.ts";
import { encodeSseData } from "../upstream/stream/encode-sse.ts";
import { chatStreamEncoder, type StreamEncoder } from "../http/respond.ts";
import { type ChatAnswerConverter, chatEndpoint, parseChatRequest } from "./chat.ts";
import { readModelBody, type RequestDeps } from "./request-flow.ts";

const expectedFields = "`model` and `prompt`";

/** OpenAI's default `max_tokens` for completions (chat has none); kept so answers are as long as there. */
const legacyMaxTokens = 16;

function notSupported(param: string, what: string): GatewayError {
  return invalidRequest(
    `${what} is not supported: gw answers /v1/completions through chat models. Leave \`${param}\` out, or call /v1/chat/completions.`,
    param,
    "unsupported_parameter",
  );
}

/** The one prompt text: a string, or an array of exactly one string. */
function readPrompt(prompt: unknown): string | GatewayError {
  if (prompt === undefined || prompt === null) {
    return invalidRequest("You must provide `prompt`: the text to complete.", "prompt", "missing_required_parameter");
  }
  if (typeof prompt === "string") return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") return prompt[0];
  return invalidRequest(
    "`prompt` must be one string (or an array of one string): token arrays and several prompts in one request are not supported. Send one request per prompt.",
    "prompt",
    "invalid_value",
  );
}

/**
 * The completions body as the chat request it means, or the 400 to answer with. Fields chat
 * shares (`max_tokens`, `temperature`, `stop`, `stream_options`, `user`, gw's `metadata`...)
 * pass as they are; the legacy-only ones are removed.
 */
export function parseCompletionRequest(body: unknown): ChatCompletionRequest | GatewayError {
  const fields = readModelBody(body, expectedFields, "models");
  if (fields instanceof GatewayError) return fields;
  const { prompt, suffix, echo, best_of: bestOf, logprobs, ...shared } = fields;
  const text = readPrompt(prompt);
  if (text instanceof GatewayError) return text;
  if (suffix !== undefined && suffix !== null && suffix !== "") return notSupported("suffix", "`suffix` (insertion)");
  if (echo !== undefined && echo !== null && echo !== false) return notSupported("echo", "`echo`");
  if (bestOf !== undefined && bestOf !== null && bestOf !== 1) return notSupported("best_of", "`best_of` greater than 1");
  if (logprobs !== undefined && logprobs !== null) return notSupported("logprobs", "`logprobs`");
  return parseChatRequest({
    ...shared,
    messages: [{ role: "user", content: text }],
    max_tokens: shared.max_tokens ?? legacyMaxTokens,
  });
}

/** "chatcmpl-x" -> "cmpl-x": the same answer, named as OpenAI names completions. */
function toCompletionId(chatId: string): string {
  return chatId.startsWith("chatcmpl-") ? `cmpl-${chatId.slice("chatcmpl-".length)}` : `cmpl-${chatId}`;
}

/** Completions know only stop, length and content_filter; a tool call (tools are not part of this dialect) ends it like a stop. */
function toFinishReason(reason: FinishReason | null): TextCompletion["choices"][number]["finish_reason"] {
  if (reason === null || reason === "stop" || reason === "length" || reason === "content_filter") return reason;
  return "stop";
}

function toTextCompletion(
  chat: Pick<ChatCompletion | ChatCompletionChunk, "id" | "created" | "model" | "usage" | "system_fingerprint">,
  choices: TextCompletion["choices"],
): TextCompletion {
  const completion: TextCompletion = { id: toCompletionId(chat.id), object: "text_completion", created: chat.created, model: chat.model, choices };
  if (chat.usage !== undefined && chat.usage !== null) completion.usage = chat.usage;
  if (typeof chat.system_fingerprint === "string") completion.system_fingerprint = chat.system_fingerprint;
  return completion;
}

export const textCompletionAnswer: ChatAnswerConverter = {
  toPayload: (completion: ChatCompletion) =>
    toTextCompletion(
      completion,
      completion.choices.map((choice) => ({ text: choice.message.content ?? "", index: choice.index, logprobs: null, finish_reason: toFinishReason(choice.finish_reason) })),
    ),
  streamEncoder: () => textCompletionStream,
};

/** One text_completion chunk per chat chunk (the usage-only chunk keeps its empty choices); chat's end and errors. */
const textCompletionStream: StreamEncoder = {
  ...chatStreamEncoder,
  chunk: (chunk: ChatCompletionChunk) =>
    encodeSseData(
      toTextCompletion(
        chunk,
        chunk.choices.map((choice) => ({ text: choice.delta.content ?? "", index: choice.index, logprobs: null, finish_reason: toFinishReason(choice.finish_reason) })),
      ),
    ),
};

/** Legacy completions as a priced endpoint: chat's, with the completions converters at the edge. */
export function completionsEndpoint(deps: RequestDeps): ReturnType<typeof chatEndpoint> {
  return { ...chatEndpoint(deps, textCompletionAnswer), parse: parseCompletionRequest, expected: expectedFields };
}
