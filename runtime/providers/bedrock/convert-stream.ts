/**
 * Bedrock ConverseStream events (decoded from the AWS event-stream framing by the runtime)
 * -> chat.completion.chunk.
 *
 * messageStart        -> first chunk: role assistant, empty content
 * contentBlockStart   -> toolUse: tool call delta (index counts tool calls, not blocks; id,
 *                        name, arguments "")
 * contentBlockDelta   -> text: content; toolUse.input: arguments at that index;
 *                        reasoningContent: text as reasoning_content, signature or
 *                        redacted content as thinking_blocks
 * contentBlockStop    -> a tool call whose input stayed empty gets arguments "{}"
 * messageStop         -> chunk with finish_reason
 * metadata            -> usage recorded; the usage chunk (choices: []) is sent, if the client
 *                        asked for it, once both messageStop and metadata have arrived (Bedrock
 *                        has been recorded sending them in either order)
 * exception:<type>    -> GatewayError
 * unknown events      -> nothing
 * The stream is complete only after messageStop.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { createChunkWriter } from "../shared/chunk-writer.ts";
import { toOpenAIUsage, toTokenUsage } from "../shared/disjoint-usage.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import { createToolCallDeltas } from "../shared/tool-call-deltas.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { isRecord, readUsage } from "./bedrock-api.ts";
import { responseFormatToolName } from "../shared/response-format-tool.ts";
import type { BedrockUsage, JsonRecord } from "./bedrock-api.ts";
import { mapStreamError } from "./map-error.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

/** What a content block index refers to (a tool use's call is kept by `tools`, under the same index). */
type BlockKind = "tool" | "json" | "other";

/** A chunk delta with the reasoning fields OpenAI-compatible clients read (LiteLLM's names). */
type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = request.stream_options?.include_usage === true;
  /** Bedrock may skip messageStart (recorded for tool calls); the role chunk then comes with the first content (withStart). */
  const writer = createChunkWriter(context);
  const { chunk, withStart } = writer;
  const tools = createToolCallDeltas();
  let usage: BedrockUsage | undefined;
  let stopped = false;
  let usageSent = false;
  const blocks = new Map<number, BlockKind>();
  let usedResponseFormatTool = false;
  let realToolCalls = false;

  function usageChunk(): ChatCompletionChunk[] {
    if (!forwardUsage || usageSent || !stopped || usage === undefined) return [];
    usageSent = true;
    return [writer.usageChunk(toOpenAIUsage(usage))];
  }

  function blockIndex(payload: JsonRecord, event: string): number {
    if (typeof payload.contentBlockIndex !== "number") throw badUpstreamResponse("bedrock", `${event} without contentBlockIndex`);
    return payload.contentBlockIndex;
  }

  function onBlockStart(payload: JsonRecord): ChatCompletionChunk[] {
    const index = blockIndex(payload, "contentBlockStart");
    const toolUse = isRecord(payload.start) ? payload.start.toolUse : undefined;
    if (!isRecord(toolUse)) {
      blocks.set(index, "other");
      return [];
    }
    if (typeof toolUse.toolUseId !== "string" || typeof toolUse.name !== "string") {
      throw badUpstreamResponse("bedrock", "contentBlockStart toolUse without toolUseId or name");
    }
    if (toolUse.name === responseFormatToolName) {
      // The forced tool standing in for response_format: its input streams as the text.
      blocks.set(index, "json");
      usedResponseFormatTool = true;
      return withStart([]);
    }
    blocks.set(index, "tool");
    realToolCalls = true;
    return withStart([chunk({ tool_calls: [tools.start(index, toolUse.toolUseId, toolUse.name)] })]);
  }

  function onBlockDelta(payload: JsonRecord): ChatCompletionChunk[] {
    const index = blockIndex(payload, "contentBlockDelta");
    const delta = payload.delta;
    if (!isRecord(delta)) throw badUpstreamResponse("bedrock", "contentBlockDelta without delta");
    if (typeof delta.text === "string") return delta.text.length > 0 ? withStart([chunk({ content: delta.text })]) : [];
    if (isRecord(delta.reasoningContent)) {
      // Extended thinking: text as reasoning_content, the signature (or a redacted block) as thinking_blocks, as for Anthropic.
      const thought = delta.reasoningContent;
      if (typeof thought.text === "string") return thought.text.length > 0 ? withStart([chunk({ reasoning_content: thought.text } as ChunkDelta)]) : [];
      if (typeof thought.signature === "string") return withStart([chunk({ thinking_blocks: [{ type: "thinking", thinking: "", signature: thought.signature }] } as ChunkDelta)]);
      if (typeof thought.redactedContent === "string") return withStart([chunk({ thinking_blocks: [{ type: "redacted_thinking", data: thought.redactedContent }] } as ChunkDelta)]);
      return [];
    }
    if (isRecord(delta.toolUse) && blocks.get(index) === "json") {
      const input = delta.toolUse.input;
      return typeof input === "string" && input.length > 0 ? [chunk({ content: input })] : [];
    }
    if (isRecord(delta.toolUse)) {
      if (blocks.get(index) !== "tool") throw badUpstreamResponse("bedrock", "a toolUse delta for a block that did not start as a tool use");
      const input = delta.toolUse.input;
      const piece = typeof input === "string" ? tools.append(index, input) : null;
      return piece ? [chunk({ tool_calls: [piece] })] : [];
    }
    return [];
  }

  function onBlockStop(payload: JsonRecord): ChatCompletionChunk[] {
    const index = payload.contentBlockIndex;
    if (typeof index !== "number" || blocks.get(index) !== "tool") return [];
    const empty = tools.finish(index);
    return empty ? [chunk({ tool_calls: [empty] })] : [];
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    const type = event.event;
    if (type !== undefined && type.startsWith("exception:")) throw mapStreamError(type.slice("exception:".length), event.data);
    if (stopped && usageSent) return [];
    const payload = parseStreamEvent("bedrock", event.data);
    switch (type) {
      case "messageStart":
        return withStart([]);
      case "contentBlockStart":
        return onBlockStart(payload);
      case "contentBlockDelta":
        return onBlockDelta(payload);
      case "contentBlockStop":
        return onBlockStop(payload);
      case "messageStop": {
        if (stopped) return [];
        stopped = true;
        const reason = usedResponseFormatTool && !realToolCalls && payload.stopReason === "tool_use" ? "stop" : mapFinishReason(payload.stopReason);
        return [...withStart([chunk({}, reason)]), ...usageChunk()];
      }
      case "metadata":
        usage = readUsage(payload.usage);
        return usageChunk();
      default:
        return [];
    }
  }

  function end(): ChatCompletionChunk[] {
    if (!stopped) throw streamEndedEarly("bedrock", "before messageStop: the answer is incomplete");
    return [];
  }

  return { push, end, usage: (): TokenUsage | undefined => (usage ? toTokenUsage(usage) : undefined) };
}
