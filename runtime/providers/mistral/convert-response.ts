/**
 * Mistral chat.completion -> gw's ChatCompletion, through OpenAI's converter, which already
 * normalizes what Mistral does differently (recorded in __fixtures__): tool calls without
 * `type`, `tool_calls: null` on text answers, no `refusal` / `logprobs`, and the finish
 * reasons `model_length` (-> length) and `error` (-> stop, as OpenAI has no such value).
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
import { convertResponse as convertOpenAIResponse } from "../openai/convert-response.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  return convertOpenAIResponse("mistral", body, context);
}
