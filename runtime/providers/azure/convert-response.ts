/**
 * Azure OpenAI chat.completion -> gw's ChatCompletion: OpenAI's converter, as Azure speaks
 * OpenAI's format. Azure's additions (`prompt_filter_results`, per-choice
 * `content_filter_results`) are extra fields OpenAI's schema allows; they pass through for
 * clients that read them. A completion the content filter stopped keeps
 * `finish_reason: "content_filter"` (its message may have no content: it becomes null).
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter#scenario-details
 */
import { convertResponse as convertOpenAIResponse } from "../openai/convert-response.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  return convertOpenAIResponse("azure", body, context);
}
