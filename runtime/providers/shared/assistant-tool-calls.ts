/**
 * An assistant message's `tool_calls` (the history of calls the model made), for providers
 * that rebuild them in their own shape. Each call needs a string id and a function name; a
 * malformed list or call is a 400 naming it. Calls are checked and converted one at a time, in
 * order, so the first problem is the one reported.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages-assistant-message-tool_calls
 */
import { invalidRequest } from "../../http/errors.ts";
import { isRecord } from "../openai/openai-api.ts";

export interface AssistantToolCall {
  id: string;
  name: string;
  /** `function.arguments` as sent (OpenAI sends a JSON string). */
  arguments: unknown;
}

/**
 * `param` names the message ("messages[2]"); `convert` gets each call, its parameter path
 * ("messages[2].tool_calls[0]") and its position. No calls (absent or null): no blocks.
 */
export function convertAssistantToolCalls<Block>(
  toolCalls: unknown,
  param: string,
  convert: (call: AssistantToolCall, callParam: string, index: number) => Block,
): Block[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
  return toolCalls.map((call: unknown, index): Block => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string" || typeof call.id !== "string") {
      throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
    }
    return convert({ id: call.id, name: call.function.name, arguments: call.function.arguments }, callParam, index);
  });
}
