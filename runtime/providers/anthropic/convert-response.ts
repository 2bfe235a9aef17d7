/**
 * Anthropic Message -> chat.completion.
 * Text blocks are joined into `content`; tool_use blocks become `tool_calls` (the input
 * object serialized as the arguments string); the synthetic response_format tool's input
 * becomes the text; thinking blocks become `reasoning_content` (their text) and `thinking_blocks`
 * (LiteLLM's field: each block with its signature, or a redacted block, so a client can send them
 * back in the next turn); server-tool blocks are left out. A refusal's explanation, when given, is
 * the message's `refusal`.
 * @see https://docs.anthropic.com/en/api/messages#response
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, ToolCall } from "../../http/openai-types.ts";
import { toOpenAIUsage, toTokenUsage } from "../shared/disjoint-usage.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { isRecord, readRefusalExplanation, readUsage, responseFormatToolName } from "./anthropic-api.ts";
import type { JsonRecord } from "./anthropic-api.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

/** Anthropic message ids become OpenAI-looking completion ids. */
export function toCompletionId(messageId: unknown, context: ProviderContext): string {
  return typeof messageId === "string" && messageId.length > 0 ? `chatcmpl-${messageId}` : `chatcmpl-${context.requestId}`;
}

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse("anthropic", "the body is not a JSON object");
  if (!Array.isArray(body.content)) throw badUpstreamResponse("anthropic", "no content array");
  if (!isRecord(body.usage)) throw badUpstreamResponse("anthropic", "no usage object");

  let text = "";
  let hasText = false;
  const toolCalls: ToolCall[] = [];
  let usedResponseFormatTool = false;
  let reasoning: string | null = null;
  const thinkingBlocks: JsonRecord[] = [];
  for (let index = 0; index < body.content.length; index++) {
    const block: unknown = body.content[index];
    if (!isRecord(block)) throw badUpstreamResponse("anthropic", `content[${index}] is not an object`);
    if (block.type === "text") {
      if (typeof block.text !== "string") throw badUpstreamResponse("anthropic", `content[${index}].text is not a string`);
      text += block.text;
      hasText = true;
    } else if (block.type === "thinking" && typeof block.thinking === "string") {
      reasoning = (reasoning ?? "") + block.thinking;
      thinkingBlocks.push({ type: "thinking", thinking: block.thinking, ...(typeof block.signature === "string" ? { signature: block.signature } : {}) });
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      thinkingBlocks.push({ type: "redacted_thinking", data: block.data });
    } else if (block.type === "tool_use") {
      if (typeof block.id !== "string" || typeof block.name !== "string") {
        throw badUpstreamResponse("anthropic", `content[${index}] is a tool_use without id or name`);
      }
      const input = JSON.stringify(block.input ?? {});
      if (block.name === responseFormatToolName) {
        text += input;
        hasText = true;
        usedResponseFormatTool = true;
      } else {
        toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: input } });
      }
    }
  }

  const usage = readUsage(body.usage);
  const refusal = body.stop_reason === "refusal" ? (readRefusalExplanation(body.stop_details) ?? "The model declined to answer.") : null;
  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: hasText ? text : toolCalls.length > 0 || refusal !== null ? null : "",
    refusal,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinkingBlocks.length > 0) Object.assign(message, { reasoning_content: reasoning ?? "", thinking_blocks: thinkingBlocks });
  const completion: ChatCompletion = {
    id: toCompletionId(body.id, context),
    object: "chat.completion",
    created: context.created,
    model: typeof body.model === "string" ? body.model : context.publicModel,
    choices: [
      {
        index: 0,
        message,
        finish_reason: mapFinishReason(body.stop_reason, usedResponseFormatTool && toolCalls.length === 0),
        logprobs: null,
      },
    ],
    usage: toOpenAIUsage(usage),
  };
  return { completion, usage: toTokenUsage(usage) };
}
