/**
 * Bedrock Converse response -> chat.completion.
 * Text blocks are joined into `content`; toolUse blocks become `tool_calls` (the input object
 * serialized as the arguments string); reasoningContent (extended thinking) becomes
 * `reasoning_content` and `thinking_blocks` (with signatures, or redacted), as for Anthropic;
 * images, documents and guard content are not part of an OpenAI answer and are left out. Converse bodies carry
 * neither an id nor the model name: the completion id derives from gw's request id, the model is
 * the public name the client asked for.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, ToolCall } from "../../http/openai-types.ts";
import { toOpenAIUsage, toTokenUsage } from "../shared/disjoint-usage.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { isRecord, readUsage } from "./bedrock-api.ts";
import { responseFormatToolName } from "../shared/response-format-tool.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse("bedrock", "the body is not a JSON object");
  const message = isRecord(body.output) ? body.output.message : undefined;
  if (!isRecord(message) || !Array.isArray(message.content)) throw badUpstreamResponse("bedrock", "no output.message.content array");

  let text = "";
  let hasText = false;
  let usedResponseFormatTool = false;
  const toolCalls: ToolCall[] = [];
  let reasoning = "";
  const thinkingBlocks: Array<Record<string, string>> = [];
  for (let index = 0; index < message.content.length; index++) {
    const block: unknown = message.content[index];
    if (!isRecord(block)) throw badUpstreamResponse("bedrock", `content[${index}] is not an object`);
    if (typeof block.text === "string") {
      text += block.text;
      hasText = true;
    } else if (isRecord(block.toolUse)) {
      const toolUse = block.toolUse;
      if (typeof toolUse.toolUseId !== "string" || typeof toolUse.name !== "string") {
        throw badUpstreamResponse("bedrock", `content[${index}] is a toolUse without toolUseId or name`);
      }
      if (toolUse.name === responseFormatToolName) {
        // The forced tool standing in for response_format: its input is the answer (shared/response-format-tool.ts).
        text += JSON.stringify(toolUse.input ?? {});
        hasText = true;
        usedResponseFormatTool = true;
      } else {
        toolCalls.push({ id: toolUse.toolUseId, type: "function", function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) } });
      }
    } else if (isRecord(block.reasoningContent)) {
      const thought = block.reasoningContent;
      if (isRecord(thought.reasoningText) && typeof thought.reasoningText.text === "string") {
        reasoning += thought.reasoningText.text;
        const signature = thought.reasoningText.signature;
        thinkingBlocks.push({ type: "thinking", thinking: thought.reasoningText.text, ...(typeof signature === "string" ? { signature } : {}) });
      } else if (typeof thought.redactedContent === "string") {
        thinkingBlocks.push({ type: "redacted_thinking", data: thought.redactedContent });
      }
    }
  }

  const usage = readUsage(body.usage);
  const finishReason = usedResponseFormatTool && toolCalls.length === 0 && body.stopReason === "tool_use" ? "stop" : mapFinishReason(body.stopReason);
  const answer: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: hasText ? text : toolCalls.length > 0 ? null : "",
    refusal: null,
  };
  if (toolCalls.length > 0) answer.tool_calls = toolCalls;
  if (thinkingBlocks.length > 0) Object.assign(answer, { reasoning_content: reasoning, thinking_blocks: thinkingBlocks });
  const completion: ChatCompletion = {
    id: `chatcmpl-${context.requestId}`,
    object: "chat.completion",
    created: context.created,
    model: context.publicModel,
    choices: [{ index: 0, message: answer, finish_reason: finishReason, logprobs: null }],
    usage: toOpenAIUsage(usage),
  };
  return { completion, usage: toTokenUsage(usage) };
}
