/**
 * Bedrock ConverseStream events (decoded from the AWS event-stream framing by the runtime)
 * -> chat.completion.chunk.
 *
 * messageStart        -> first chunk: role assistant, empty content
 * contentBlockStart   -> toolUse: tool call delta (index counts tool calls, not blocks; id,
 *                        name, arguments "")
 * contentBlockDelta   -> text: content; toolUse.input: arguments at that index;
 *                        reasoningContent (text, signature, redacted) is not forwarded
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
import { GatewayError, badUpstreamResponse } from "../../errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, FinishReason, TokenUsage } from "../../openai-types.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { isRecord, readUsage } from "./bedrock-api.ts";
import type { BedrockUsage, JsonRecord } from "./bedrock-api.ts";
import { toOpenAIUsage, toTokenUsage } from "./convert-response.ts";
import { mapStreamError } from "./map-error.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

/** What a content block index refers to. */
type BlockKind = { kind: "tool"; toolIndex: number; hasArguments: boolean } | { kind: "other" };

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = request.stream_options?.include_usage === true;
  const id = `chatcmpl-${context.requestId}`;
  const model = context.publicModel;
  let usage: BedrockUsage | undefined;
  let started = false;
  let stopped = false;
  let usageSent = false;
  let toolCount = 0;
  const blocks = new Map<number, BlockKind>();

  function chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    return { id, object: "chat.completion.chunk", created: context.created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
  }

  /** Bedrock may skip messageStart (recorded for tool calls); the role chunk then comes with the first content. */
  function withStart(chunks: ChatCompletionChunk[]): ChatCompletionChunk[] {
    if (started) return chunks;
    started = true;
    return [chunk({ role: "assistant", content: "" }), ...chunks];
  }

  function usageChunk(): ChatCompletionChunk[] {
    if (!forwardUsage || usageSent || !stopped || usage === undefined) return [];
    usageSent = true;
    return [{ id, object: "chat.completion.chunk", created: context.created, model, choices: [], usage: toOpenAIUsage(usage) }];
  }

  function blockIndex(payload: JsonRecord, event: string): number {
    if (typeof payload.contentBlockIndex !== "number") throw badUpstreamResponse("bedrock", `${event} without contentBlockIndex`);
    return payload.contentBlockIndex;
  }

  function onBlockStart(payload: JsonRecord): ChatCompletionChunk[] {
    const index = blockIndex(payload, "contentBlockStart");
    const toolUse = isRecord(payload.start) ? payload.start.toolUse : undefined;
    if (!isRecord(toolUse)) {
      blocks.set(index, { kind: "other" });
      return [];
    }
    if (typeof toolUse.toolUseId !== "string" || typeof toolUse.name !== "string") {
      throw badUpstreamResponse("bedrock", "contentBlockStart toolUse without toolUseId or name");
    }
    const toolIndex = toolCount++;
    blocks.set(index, { kind: "tool", toolIndex, hasArguments: false });
    return withStart([chunk({ tool_calls: [{ index: toolIndex, id: toolUse.toolUseId, type: "function", function: { name: toolUse.name, arguments: "" } }] })]);
  }

  function onBlockDelta(payload: JsonRecord): ChatCompletionChunk[] {
    const index = blockIndex(payload, "contentBlockDelta");
    const delta = payload.delta;
    if (!isRecord(delta)) throw badUpstreamResponse("bedrock", "contentBlockDelta without delta");
    if (typeof delta.text === "string") return delta.text.length > 0 ? withStart([chunk({ content: delta.text })]) : [];
    if (isRecord(delta.toolUse)) {
      const block = blocks.get(index);
      if (block?.kind !== "tool") throw badUpstreamResponse("bedrock", "a toolUse delta for a block that did not start as a tool use");
      const input = delta.toolUse.input;
      if (typeof input !== "string" || input.length === 0) return [];
      block.hasArguments = true;
      return [chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: input } }] })];
    }
    return [];
  }

  function onBlockStop(payload: JsonRecord): ChatCompletionChunk[] {
    const block = typeof payload.contentBlockIndex === "number" ? blocks.get(payload.contentBlockIndex) : undefined;
    if (block?.kind === "tool" && !block.hasArguments) {
      block.hasArguments = true;
      return [chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: "{}" } }] })];
    }
    return [];
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    const type = event.event;
    if (type !== undefined && type.startsWith("exception:")) throw mapStreamError(type.slice("exception:".length), event.data);
    if (stopped && usageSent) return [];
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      throw badUpstreamResponse("bedrock", "a stream event is not JSON");
    }
    if (!isRecord(payload)) throw badUpstreamResponse("bedrock", "a stream event is not a JSON object");
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
        return [...withStart([chunk({}, mapFinishReason(payload.stopReason))]), ...usageChunk()];
      }
      case "metadata":
        usage = readUsage(payload.usage);
        return usageChunk();
      default:
        return [];
    }
  }

  function end(): ChatCompletionChunk[] {
    if (!stopped) {
      throw new GatewayError({
        status: 502,
        type: "upstream_error",
        code: "stream_ended_early",
        message: "The bedrock upstream stream ended before messageStop: the answer is incomplete.",
      });
    }
    return [];
  }

  return { push, end, usage: (): TokenUsage | undefined => (usage ? toTokenUsage(usage) : undefined) };
}
