/**
 * A chat completion -> the Responses API's Response object: the reasoning (when the model
 * reasoned), the message (text or refusal) and the function calls become output items, in that
 * order; finish_reason `length` and `content_filter` make the response incomplete; usage is
 * renamed. The request's settings are echoed from its turn (responses-request.ts).
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
import type { ChatCompletion, FinishReason, Usage } from "../http/openai-types.ts";
import type { FunctionCallItem, OutputItem, OutputMessage, ReasoningItem, ResponseObject, ResponseStatus, ResponseUsage } from "../http/responses-types.ts";
import { encodeThinkingBlocks, readThinkingBlocks, type ThinkingBlock } from "./responses-reasoning.ts";
import type { ResponsesTurn } from "./responses-request.ts";

/** How a finished answer ends: completed, or incomplete and why. */
export interface Ending {
  status: Extract<ResponseStatus, "completed" | "incomplete">;
  reason: "max_output_tokens" | "content_filter" | null;
}

export function toEnding(finishReason: FinishReason | null): Ending {
  if (finishReason === "length") return { status: "incomplete", reason: "max_output_tokens" };
  if (finishReason === "content_filter") return { status: "incomplete", reason: "content_filter" };
  return { status: "completed", reason: null };
}

/** An output item's id: its kind's prefix (msg, fc, rs, as OpenAI's), the response's and its position. */
export function itemId(turn: ResponsesTurn, prefix: "msg" | "fc" | "rs", outputIndex: number): string {
  return `${prefix}_${turn.id.slice("resp_".length)}_${outputIndex}`;
}

export function toResponseUsage(usage: Usage): ResponseUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The Response with the turn's echo; `output`, `usage` and the status filled in by the caller's state. */
export function toResponse(
  turn: ResponsesTurn,
  model: string,
  state: { status: ResponseStatus; reason?: Ending["reason"]; output: OutputItem[]; usage?: ResponseUsage | null; error?: ResponseObject["error"]; completedAt?: number },
): ResponseObject {
  const echo = turn.echo;
  const response: ResponseObject = {
    id: turn.id,
    object: "response",
    created_at: turn.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.reason === undefined || state.reason === null ? null : { reason: state.reason },
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    model,
    output: state.output,
    parallel_tool_calls: echo.parallelToolCalls,
    previous_response_id: echo.previousResponseId,
    reasoning: echo.reasoning,
    // Whether gw keeps it, which may differ from what was asked (the gateway's config decides).
    store: turn.save !== null,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.toolChoice,
    tools: echo.tools,
    top_p: echo.topP,
    truncation: echo.truncation,
    metadata: echo.metadata,
  };
  if (state.completedAt !== undefined) response.completed_at = state.completedAt;
  if (state.usage !== undefined && state.usage !== null) response.usage = state.usage;
  if (echo.user !== null) response.user = echo.user;
  return response;
}

/** A reasoning item from the chat answer's reasoning text and thinking blocks; null when it has neither. */
export function toReasoningItem(id: string, text: string, blocks: readonly ThinkingBlock[]): ReasoningItem | null {
  if (text === "" && blocks.length === 0) return null;
  const item: ReasoningItem = { type: "reasoning", id, summary: text === "" ? [] : [{ type: "summary_text", text }] };
  if (blocks.length > 0) item.encrypted_content = encodeThinkingBlocks(blocks);
  return item;
}

/** The output items of a whole chat answer (its first choice: Responses have one). */
function toOutput(turn: ResponsesTurn, message: ChatCompletion["choices"][number]["message"], itemStatus: "completed" | "incomplete"): OutputItem[] {
  const output: OutputItem[] = [];
  const reasoningText = (message as { reasoning_content?: unknown }).reasoning_content;
  const reasoning = toReasoningItem(itemId(turn, "rs", 0), typeof reasoningText === "string" ? reasoningText : "", readThinkingBlocks((message as { thinking_blocks?: unknown }).thinking_blocks));
  if (reasoning !== null) output.push(reasoning);
  const calls = message.tool_calls ?? [];
  const content: OutputMessage["content"] = [];
  if (typeof message.content === "string" && (message.content !== "" || calls.length === 0)) content.push({ type: "output_text", text: message.content, annotations: [], logprobs: [] });
  if (typeof message.refusal === "string" && message.refusal !== "") content.push({ type: "refusal", refusal: message.refusal });
  if (content.length === 0 && calls.length === 0) content.push({ type: "output_text", text: "", annotations: [], logprobs: [] });
  if (content.length > 0) output.push({ type: "message", id: itemId(turn, "msg", output.length), status: itemStatus, role: "assistant", content });
  for (const call of calls) {
    const item: FunctionCallItem = { type: "function_call", id: itemId(turn, "fc", output.length), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: "completed" };
    output.push(item);
  }
  return output;
}

/** The Response for a whole chat completion; kept in the store when the turn says so. */
export function toResponsePayload(turn: ResponsesTurn, completion: ChatCompletion, completedAt: number): ResponseObject {
  const choice = completion.choices[0];
  const ending = toEnding(choice?.finish_reason ?? null);
  const output = choice === undefined ? [] : toOutput(turn, choice.message, ending.status);
  const response = toResponse(turn, completion.model, {
    status: ending.status,
    reason: ending.reason,
    output,
    usage: completion.usage === undefined ? null : toResponseUsage(completion.usage),
    completedAt,
  });
  turn.save?.(output, response as unknown as Record<string, unknown>);
  return response;
}
