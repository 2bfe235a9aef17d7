/**
 * A Vertex AI answer -> chat.completion: an Anthropic Message (Claude models) goes through the
 * Anthropic converter, anything else through the Gemini converter (vertex-api.ts tells them apart).
 */
import { convertResponse as convertAnthropicResponse } from "../anthropic/convert-response.ts";
import { convertGeminiResponse } from "../gemini/convert-response.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { isAnthropicMessage } from "./vertex-api.ts";

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  return isAnthropicMessage(body) ? convertAnthropicResponse(body, context) : convertGeminiResponse(body, context, "vertex");
}
