/**
 * Chat answers written as Anthropic Messages answers, for `/v1/messages` requests served by a
 * deployment that does not speak Messages (messages.ts): the message object, the stream's event
 * sequence, and errors in Anthropic's shape.
 *
 * The stream: message_start and a ping before the first content; each run of reasoning, text or
 * one tool call's arguments is a content block (content_block_start, its deltas,
 * content_block_stop), in the order the chat chunks bring them; at the end message_delta (stop
 * reason and the final usage, input tokens included) and message_stop. A failure after the stream
 * started is an `error` event, as Anthropic sends one.
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
import type { GatewayError } from "../http/errors.ts";
import type { AnthropicBlockOut, AnthropicErrorType, AnthropicMessageOut, AnthropicStopReason, AnthropicUsageOut } from "../http/anthropic-types.ts";
import type { ChatCompletion, ChatCompletionChunk, FinishReason, TokenUsage, Usage } from "../http/openai-types.ts";
import type { ErrorBody, StreamEncoder } from "../http/respond.ts";
import { encodeSseEvent } from "../upstream/stream/encode-sse.ts";
import type { ChatAnswerConverter } from "./chat.ts";
import type { MessagesChatRequest } from "./messages-request.ts";

type Json = Record<string, unknown>;

const anthropicTypes: Readonly<Record<number, AnthropicErrorType>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function anthropicErrorType(error: GatewayError): AnthropicErrorType {
  return anthropicTypes[error.status] ?? (error.status >= 400 && error.status < 500 ? "invalid_request_error" : "api_error");
}

/** `{"type": "error", "error": {"type", "message"}}`, the type from the status as Anthropic names it. */
export const anthropicErrorBody: ErrorBody = (error) => ({ type: "error", error: { type: anthropicErrorType(error), message: error.message } });

/** "chatcmpl-msg_x" (an Anthropic upstream's id) -> "msg_x"; any other chat id -> "msg_<it>". */
export function toMessageId(chatId: string): string {
  const bare = chatId.startsWith("chatcmpl-") ? chatId.slice("chatcmpl-".length) : chatId;
  return bare.startsWith("msg_") ? bare : `msg_${bare}`;
}

function toStopReason(reason: FinishReason | null | undefined): AnthropicStopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

function usageOut(usage: TokenUsage): AnthropicUsageOut {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
  };
}

/** A stream's chat usage (OpenAI's counts: prompt includes cached tokens; cache writes are not told apart). */
function streamUsageOut(usage: Usage | null): AnthropicUsageOut {
  if (usage === null) return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return { input_tokens: Math.max(0, usage.prompt_tokens - cached), output_tokens: usage.completion_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: cached };
}

function parseInput(text: string): unknown {
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    // Arguments that are not JSON are given as they came, under a key the client can read.
    return { _raw: text };
  }
}

/** The assistant's thinking as blocks: the signed ones it brought (thinking_blocks), else its reasoning text unsigned. */
function thinkingBlocks(message: Json): AnthropicBlockOut[] {
  const blocks = message.thinking_blocks;
  const out: AnthropicBlockOut[] = [];
  if (Array.isArray(blocks)) {
    for (const block of blocks as Json[]) {
      if (block?.type === "thinking" && typeof block.thinking === "string") out.push({ type: "thinking", thinking: block.thinking, signature: typeof block.signature === "string" ? block.signature : "" });
      else if (block?.type === "redacted_thinking" && typeof block.data === "string") out.push({ type: "redacted_thinking", data: block.data });
    }
  }
  if (out.length === 0 && typeof message.reasoning_content === "string" && message.reasoning_content !== "") {
    out.push({ type: "thinking", thinking: message.reasoning_content, signature: "" });
  }
  return out;
}

export function toAnthropicMessage(completion: ChatCompletion, usage: TokenUsage): AnthropicMessageOut {
  const choice = completion.choices[0];
  const message = (choice?.message ?? { content: null }) as unknown as Json;
  const content: AnthropicBlockOut[] = thinkingBlocks(message);
  const text = typeof message.content === "string" ? message.content : "";
  const refusal = typeof message.refusal === "string" ? message.refusal : "";
  if (text !== "" || refusal !== "") content.push({ type: "text", text: text !== "" ? text : refusal });
  for (const call of (message.tool_calls as ChatCompletion["choices"][number]["message"]["tool_calls"]) ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseInput(call.function.arguments) });
  }
  return {
    id: toMessageId(completion.id),
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: usageOut(usage),
  };
}

type OpenBlock = { kind: "text" } | { kind: "thinking" } | { kind: "tool"; call: number };

/** The Messages event sequence for one stream of chat chunks (see the top). */
export function createMessagesStreamEncoder(): StreamEncoder {
  let started = false;
  let open: OpenBlock | null = null;
  let index = -1;
  let stopReason: AnthropicStopReason | null = null;
  let usage: Usage | null = null;
  const parts: Uint8Array[] = [];
  const emit = (event: string, value: unknown): void => {
    parts.push(encodeSseEvent(event, value));
  };
  const flush = (): Uint8Array | null => {
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts.pop() as Uint8Array;
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    parts.length = 0;
    return joined;
  };
  const start = (chunk: Pick<ChatCompletionChunk, "id" | "model"> | null): void => {
    if (started) return;
    started = true;
    emit("message_start", {
      type: "message_start",
      message: {
        id: toMessageId(chunk?.id ?? "stream"),
        type: "message",
        role: "assistant",
        model: chunk?.model ?? "",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    emit("ping", { type: "ping" });
  };
  const close = (): void => {
    if (open === null) return;
    emit("content_block_stop", { type: "content_block_stop", index });
    open = null;
  };
  const openBlock = (block: OpenBlock, contentBlock: Json): void => {
    close();
    index++;
    open = block;
    emit("content_block_start", { type: "content_block_start", index, content_block: contentBlock });
  };
  const delta = (value: Json): void => {
    emit("content_block_delta", { type: "content_block_delta", index, delta: value });
  };
  const onThinking = (text: string): void => {
    if (open?.kind !== "thinking") openBlock({ kind: "thinking" }, { type: "thinking", thinking: "", signature: "" });
    if (text !== "") delta({ type: "thinking_delta", thinking: text });
  };
  const onText = (text: string): void => {
    if (open?.kind !== "text") openBlock({ kind: "text" }, { type: "text", text: "" });
    delta({ type: "text_delta", text });
  };
  const onChunk = (chunk: ChatCompletionChunk): void => {
    start(chunk);
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (choice === undefined) return;
    const d = (choice.delta ?? {}) as Json;
    if (typeof d.reasoning_content === "string" && d.reasoning_content !== "") onThinking(d.reasoning_content);
    if (Array.isArray(d.thinking_blocks)) {
      for (const block of d.thinking_blocks as Json[]) {
        if (block?.type === "redacted_thinking" && typeof block.data === "string") {
          openBlock({ kind: "thinking" }, { type: "redacted_thinking", data: block.data });
          close();
        } else if (block?.type === "thinking" && typeof block.signature === "string" && block.signature !== "") {
          onThinking("");
          delta({ type: "signature_delta", signature: block.signature });
        }
      }
    }
    if (typeof d.content === "string" && d.content !== "") onText(d.content);
    if (typeof d.refusal === "string" && d.refusal !== "") onText(d.refusal);
    if (Array.isArray(d.tool_calls)) {
      for (const call of d.tool_calls as Json[]) {
        const callIndex = typeof call.index === "number" ? call.index : 0;
        const fn = (call.function ?? {}) as Json;
        if (open?.kind !== "tool" || open.call !== callIndex) {
          openBlock({ kind: "tool", call: callIndex }, { type: "tool_use", id: typeof call.id === "string" ? call.id : `toolu_${callIndex}`, name: typeof fn.name === "string" ? fn.name : "", input: {} });
        }
        if (typeof fn.arguments === "string" && fn.arguments !== "") delta({ type: "input_json_delta", partial_json: fn.arguments });
      }
    }
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) stopReason = toStopReason(choice.finish_reason);
  };
  return {
    chunk(chunk) {
      onChunk(chunk);
      return flush();
    },
    end(reported) {
      start(null);
      close();
      // The upstream's own counts (cache writes told apart) where it reported them, else the usage chunk's.
      const final = reported === undefined ? streamUsageOut(usage) : usageOut(reported);
      emit("message_delta", { type: "message_delta", delta: { stop_reason: stopReason ?? "end_turn", stop_sequence: null }, usage: final });
      emit("message_stop", { type: "message_stop" });
      return flush();
    },
    error(error) {
      return encodeSseEvent("error", anthropicErrorBody(error));
    },
  };
}

/** Chat answers as Messages answers (the translated path of messages.ts). */
export const messagesAnswer: ChatAnswerConverter<MessagesChatRequest> = {
  toPayload: (completion, _body, usage) => toAnthropicMessage(completion, usage),
  streamEncoder: () => createMessagesStreamEncoder(),
};
