/**
 * Anthropic stream events -> chat.completion.chunk.
 *
 * message_start           -> first chunk: role assistant, empty content
 * content_block_start     -> tool_use: tool call delta (index counts tool calls, not blocks;
 *                            id, name, arguments "")
 * content_block_delta     -> text_delta: content; input_json_delta: arguments at that index;
 *                            thinking_delta: reasoning_content; signature_delta: thinking_blocks
 *                            (the signature, for the next turn); citation deltas are not forwarded
 * content_block_stop      -> a tool call whose input stayed empty gets arguments "{}"
 * message_delta           -> chunk with finish_reason; usage (output_tokens is cumulative,
 *                            input and cache counts may be repeated) is recorded
 * message_stop            -> the usage chunk (choices: []) if the client asked for usage
 * ping / unknown events   -> nothing (Anthropic may add event types)
 * error                   -> GatewayError
 * The stream is complete only after message_stop.
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { createChunkWriter } from "../shared/chunk-writer.ts";
import { toOpenAIUsage, toTokenUsage } from "../shared/disjoint-usage.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import { createToolCallDeltas } from "../shared/tool-call-deltas.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { isRecord, readRefusalExplanation, readUsage, responseFormatToolName } from "./anthropic-api.ts";
import type { AnthropicUsage, JsonRecord } from "./anthropic-api.ts";
import { toCompletionId } from "./convert-response.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { mapStreamError } from "./map-error.ts";

/** A chunk delta with the reasoning fields OpenAI-compatible clients read (LiteLLM's names). */
type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

/** What a content block index refers to (a tool block's call is kept by `tools`, under the same index). */
type BlockKind = { kind: "text" } | { kind: "tool" } | { kind: "json"; hasText: boolean } | { kind: "other" };

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = request.stream_options?.include_usage === true;
  /** Providers have been seen to skip message_start; the role chunk then comes with the first content (withStart). */
  const writer = createChunkWriter(context);
  const { chunk, withStart } = writer;
  const tools = createToolCallDeltas();
  let usage: AnthropicUsage | undefined;
  let stopped = false;
  let usedResponseFormatTool = false;
  const blocks = new Map<number, BlockKind>();

  function onBlockStart(payload: JsonRecord): ChatCompletionChunk[] {
    const index = payload.index;
    const block = payload.content_block;
    if (typeof index !== "number" || !isRecord(block)) throw badUpstreamResponse("anthropic", "content_block_start without index or block");
    if (block.type === "text") {
      blocks.set(index, { kind: "text" });
      return typeof block.text === "string" && block.text.length > 0 ? withStart([chunk({ content: block.text })]) : [];
    }
    if (block.type === "tool_use") {
      if (typeof block.id !== "string" || typeof block.name !== "string") throw badUpstreamResponse("anthropic", "tool_use block without id or name");
      if (block.name === responseFormatToolName) {
        usedResponseFormatTool = true;
        blocks.set(index, { kind: "json", hasText: false });
        return [];
      }
      blocks.set(index, { kind: "tool" });
      return withStart([chunk({ tool_calls: [tools.start(index, block.id, block.name)] })]);
    }
    blocks.set(index, { kind: "other" });
    if (block.type === "redacted_thinking" && typeof block.data === "string") {
      return withStart([chunk({ thinking_blocks: [{ type: "redacted_thinking", data: block.data }] } as ChunkDelta)]);
    }
    return [];
  }

  function onBlockDelta(payload: JsonRecord): ChatCompletionChunk[] {
    const delta = payload.delta;
    if (typeof payload.index !== "number" || !isRecord(delta)) throw badUpstreamResponse("anthropic", "content_block_delta without index or delta");
    const block = blocks.get(payload.index);
    if (delta.type === "text_delta" && typeof delta.text === "string") {
      return delta.text.length > 0 ? withStart([chunk({ content: delta.text })]) : [];
    }
    if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
      return delta.thinking.length > 0 ? withStart([chunk({ reasoning_content: delta.thinking } as ChunkDelta)]) : [];
    }
    if (delta.type === "signature_delta" && typeof delta.signature === "string") {
      return withStart([chunk({ thinking_blocks: [{ type: "thinking", thinking: "", signature: delta.signature }] } as ChunkDelta)]);
    }
    if (delta.type === "input_json_delta" && typeof delta.partial_json === "string" && delta.partial_json.length > 0) {
      if (block?.kind === "tool") return [chunk({ tool_calls: [tools.append(payload.index, delta.partial_json)!] })];
      if (block?.kind === "json") {
        block.hasText = true;
        return withStart([chunk({ content: delta.partial_json })]);
      }
    }
    return [];
  }

  function onBlockStop(payload: JsonRecord): ChatCompletionChunk[] {
    if (typeof payload.index !== "number") return [];
    const block = blocks.get(payload.index);
    if (block?.kind === "tool") {
      const empty = tools.finish(payload.index);
      return empty ? [chunk({ tool_calls: [empty] })] : [];
    }
    if (block?.kind === "json" && !block.hasText) {
      block.hasText = true;
      return withStart([chunk({ content: "{}" })]);
    }
    return [];
  }

  function onMessageDelta(payload: JsonRecord): ChatCompletionChunk[] {
    usage = readUsage(payload.usage, usage);
    const delta = isRecord(payload.delta) ? payload.delta : {};
    const finishReason = mapFinishReason(delta.stop_reason, usedResponseFormatTool && tools.count === 0);
    const explanation = delta.stop_reason === "refusal" ? readRefusalExplanation(delta.stop_details) : null;
    return withStart([chunk(explanation === null ? {} : { refusal: explanation }, finishReason)]);
  }

  function onMessageStop(): ChatCompletionChunk[] {
    stopped = true;
    if (!forwardUsage) return [];
    return [writer.usageChunk(toOpenAIUsage(usage ?? readUsage(undefined)))];
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    if (stopped) return [];
    const payload = parseStreamEvent("anthropic", event.data);
    const type = event.event ?? payload.type;
    switch (type) {
      case "message_start": {
        const message = isRecord(payload.message) ? payload.message : {};
        writer.id = toCompletionId(message.id, context);
        if (typeof message.model === "string") writer.model = message.model;
        usage = readUsage(message.usage, usage);
        return withStart([]);
      }
      case "content_block_start":
        return onBlockStart(payload);
      case "content_block_delta":
        return onBlockDelta(payload);
      case "content_block_stop":
        return onBlockStop(payload);
      case "message_delta":
        return onMessageDelta(payload);
      case "message_stop":
        return onMessageStop();
      case "error":
        throw mapStreamError(payload);
      default:
        return [];
    }
  }

  function end(): ChatCompletionChunk[] {
    if (!stopped) throw streamEndedEarly("anthropic", "before message_stop: the answer is incomplete");
    return [];
  }

  return { push, end, usage: (): TokenUsage | undefined => (usage ? toTokenUsage(usage) : undefined) };
}
