/**
 * A chat completion stream -> the Responses API's stream events, each `event: TYPE\ndata: JSON`
 * with a `sequence_number` counting from 0:
 *
 * response.created, response.in_progress                        first, with the response in progress
 * reasoning_content / thinking_blocks deltas  -> a reasoning item: output_item.added,
 *     reasoning_summary_part.added, reasoning_summary_text.delta..., then .done, part .done, item .done
 * content / refusal deltas                    -> a message item: output_item.added, content_part.added,
 *     output_text.delta... (refusal.delta...), output_text.done, content_part.done, output_item.done
 * tool_calls deltas (by index)                -> a function_call item each: output_item.added,
 *     function_call_arguments.delta..., then (at the finish) function_call_arguments.done, output_item.done
 * finish_reason                               -> every open item done (incomplete after `length`)
 * usage chunk                                 -> the final response's usage
 * end                                         -> response.completed (or response.incomplete) with the whole response
 * error                                       -> response.failed, then an `error` event
 *
 * A reasoning or message item is done when another kind of output starts; function calls stay
 * open until the finish, since chat may interleave several calls' argument deltas. There is no
 * `data: [DONE]`: OpenAI ends Responses streams with the terminal event.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { GatewayError } from "../http/errors.ts";
import type { ChatCompletionChunk } from "../http/openai-types.ts";
import type { StreamEncoder } from "../http/respond.ts";
import type { FunctionCallItem, OutputItem, OutputMessage, OutputRefusal, OutputText, ReasoningItem, ResponseObject, ResponseUsage } from "../http/responses-types.ts";
import { encodeSseEvent } from "../upstream/stream/encode-sse.ts";
import { type Ending, itemId, toEnding, toReasoningItem, toResponse, toResponseUsage } from "./responses-answer.ts";
import { readThinkingBlocks, type ThinkingBlock } from "./responses-reasoning.ts";
import type { ResponsesTurn } from "./responses-request.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"] & { reasoning_content?: unknown; thinking_blocks?: unknown };

interface OpenMessage {
  kind: "message";
  item: OutputMessage;
  index: number;
  /** The content part deltas go to (the last one). */
  part: OutputText | OutputRefusal | null;
}

interface OpenReasoning {
  kind: "reasoning";
  id: string;
  index: number;
  text: string;
  /** Reasoning text since the last thinking block closed (a signature closes it). */
  pending: string;
  blocks: ThinkingBlock[];
  summaryStarted: boolean;
}

interface OpenCall {
  item: FunctionCallItem;
  index: number;
}

/** response.failed's error codes are a closed list (ResponseErrorCode): a rate limit, or the server's. */
function failureCode(error: GatewayError): string {
  return error.status === 429 ? "rate_limit_exceeded" : "server_error";
}

export function createResponsesStream(turn: ResponsesTurn, nowSeconds: () => number): StreamEncoder {
  let sequence = 0;
  let started = false;
  let model = "";
  const output: OutputItem[] = [];
  let open: OpenMessage | OpenReasoning | null = null;
  const calls = new Map<number, OpenCall>();
  let ending: Ending | null = null;
  let usage: ResponseUsage | null = null;
  let pieces: Uint8Array[] = [];

  const emit = (type: string, fields: Record<string, unknown>): void => {
    pieces.push(encodeSseEvent(type, { type, ...fields, sequence_number: sequence++ }));
  };
  const flush = (): Uint8Array | null => {
    if (pieces.length === 0) return null;
    const joined = pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
    pieces = [];
    return joined;
  };
  const response = (fields: Parameters<typeof toResponse>[2]): ResponseObject => toResponse(turn, model, fields);
  const start = (chunkModel: string): void => {
    if (started) return;
    started = true;
    model = chunkModel;
    emit("response.created", { response: response({ status: "in_progress", output: [] }) });
    emit("response.in_progress", { response: response({ status: "in_progress", output: [] }) });
  };

  function closePart(message: OpenMessage): void {
    const part = message.part;
    if (part === null) return;
    const at = { item_id: message.item.id, output_index: message.index, content_index: message.item.content.length - 1 };
    if (part.type === "output_text") emit("response.output_text.done", { ...at, text: part.text, logprobs: [] });
    else emit("response.refusal.done", { ...at, refusal: part.refusal });
    emit("response.content_part.done", { ...at, part });
    message.part = null;
  }

  function closeOpen(status: "completed" | "incomplete"): void {
    const current = open;
    if (current === null) return;
    open = null;
    if (current.kind === "message") {
      closePart(current);
      current.item.status = status;
      emit("response.output_item.done", { output_index: current.index, item: current.item });
      return;
    }
    const at = { item_id: current.id, output_index: current.index, summary_index: 0 };
    if (current.summaryStarted) {
      emit("response.reasoning_summary_text.done", { ...at, text: current.text });
      emit("response.reasoning_summary_part.done", { ...at, part: { type: "summary_text", text: current.text } });
    }
    const item = toReasoningItem(current.id, current.text, current.blocks) as ReasoningItem;
    output[current.index] = item;
    emit("response.output_item.done", { output_index: current.index, item });
  }

  function openMessage(): OpenMessage {
    if (open?.kind === "message") return open;
    closeOpen("completed");
    const index = output.length;
    const item: OutputMessage = { type: "message", id: itemId(turn, "msg", index), status: "in_progress", role: "assistant", content: [] };
    output.push(item);
    emit("response.output_item.added", { output_index: index, item });
    open = { kind: "message", item, index, part: null };
    return open;
  }

  function openReasoning(): OpenReasoning {
    if (open?.kind === "reasoning") return open;
    closeOpen("completed");
    const index = output.length;
    const id = itemId(turn, "rs", index);
    const item: ReasoningItem = { type: "reasoning", id, summary: [] };
    output.push(item);
    emit("response.output_item.added", { output_index: index, item });
    open = { kind: "reasoning", id, index, text: "", pending: "", blocks: [], summaryStarted: false };
    return open;
  }

  function onText(delta: string, kind: "output_text" | "refusal"): void {
    const message = openMessage();
    if (message.part?.type !== kind) {
      closePart(message);
      const part: OutputText | OutputRefusal = kind === "output_text" ? { type: "output_text", text: "", annotations: [], logprobs: [] } : { type: "refusal", refusal: "" };
      message.item.content.push(part);
      message.part = part;
      emit("response.content_part.added", { item_id: message.item.id, output_index: message.index, content_index: message.item.content.length - 1, part });
    }
    const part = message.part as OutputText | OutputRefusal;
    if (delta === "") return;
    const at = { item_id: message.item.id, output_index: message.index, content_index: message.item.content.length - 1 };
    if (part.type === "output_text") {
      part.text += delta;
      emit("response.output_text.delta", { ...at, delta, logprobs: [] });
    } else {
      part.refusal += delta;
      emit("response.refusal.delta", { ...at, delta });
    }
  }

  function onReasoningText(delta: string): void {
    const reasoning = openReasoning();
    const at = { item_id: reasoning.id, output_index: reasoning.index, summary_index: 0 };
    if (!reasoning.summaryStarted) {
      reasoning.summaryStarted = true;
      emit("response.reasoning_summary_part.added", { ...at, part: { type: "summary_text", text: "" } });
    }
    reasoning.text += delta;
    reasoning.pending += delta;
    emit("response.reasoning_summary_text.delta", { ...at, delta });
  }

  /** A thinking block's signature (its text came as reasoning deltas before it) or a redacted block. */
  function onThinkingBlock(block: ThinkingBlock): void {
    const reasoning = openReasoning();
    if (block.type === "thinking") {
      reasoning.blocks.push({ ...block, thinking: block.thinking !== "" ? block.thinking : reasoning.pending });
      reasoning.pending = "";
    } else reasoning.blocks.push(block);
  }

  function onToolCall(delta: NonNullable<Delta["tool_calls"]>[number]): void {
    let call = calls.get(delta.index);
    if (call === undefined) {
      closeOpen("completed");
      const index = output.length;
      const item: FunctionCallItem = { type: "function_call", id: itemId(turn, "fc", index), call_id: delta.id ?? "", name: delta.function?.name ?? "", arguments: "", status: "in_progress" };
      output.push(item);
      call = { item, index };
      calls.set(delta.index, call);
      emit("response.output_item.added", { output_index: index, item });
    }
    const piece = delta.function?.arguments;
    if (typeof piece === "string" && piece !== "") {
      call.item.arguments += piece;
      emit("response.function_call_arguments.delta", { item_id: call.item.id, output_index: call.index, delta: piece });
    }
  }

  function finish(reason: Ending): void {
    if (ending !== null) return;
    ending = reason;
    closeOpen(reason.status);
    for (const call of calls.values()) {
      call.item.status = "completed";
      emit("response.function_call_arguments.done", { item_id: call.item.id, name: call.item.name, output_index: call.index, arguments: call.item.arguments });
      emit("response.output_item.done", { output_index: call.index, item: call.item });
    }
    calls.clear();
  }

  return {
    chunk(chunk) {
      start(chunk.model);
      if (chunk.usage !== undefined && chunk.usage !== null) usage = toResponseUsage(chunk.usage);
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (choice !== undefined && ending === null) {
        const delta = choice.delta as Delta;
        if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") onReasoningText(delta.reasoning_content);
        for (const block of readThinkingBlocks(delta.thinking_blocks)) onThinkingBlock(block);
        if (typeof delta.content === "string" && delta.content !== "") onText(delta.content, "output_text");
        if (typeof delta.refusal === "string" && delta.refusal !== "") onText(delta.refusal, "refusal");
        for (const call of delta.tool_calls ?? []) onToolCall(call);
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish(toEnding(choice.finish_reason));
      }
      return flush();
    },
    end() {
      start(model);
      // An answer with no output at all is still a message, as chat's empty answer is.
      if (output.length === 0) onText("", "output_text");
      finish(ending ?? toEnding(null));
      const done = ending as Ending;
      const final = response({ status: done.status, reason: done.reason, output, usage, completedAt: nowSeconds() });
      emit(done.status === "completed" ? "response.completed" : "response.incomplete", { response: final });
      turn.save?.(output, final as unknown as Record<string, unknown>);
      return flush();
    },
    error(error) {
      start(model);
      const body = error.toJSON().error;
      emit("response.failed", { response: response({ status: "failed", output, usage, error: { code: failureCode(error), message: error.message } }) });
      // Both shapes: the documented top-level fields, and the nested `error` the official SDKs raise as an APIError (and OpenAI sends).
      emit("error", { code: body.code ?? body.type, message: body.message, param: body.param, error: body });
      return flush() as Uint8Array;
    },
  };
}
