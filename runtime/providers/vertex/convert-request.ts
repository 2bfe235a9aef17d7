/**
 * OpenAI chat request -> a Vertex AI request, by model family:
 * - Gemini models: Google's generateContent body, built by the Gemini converter, to
 *   `publishers/google/models/{model}:generateContent` (`:streamGenerateContent?alt=sse`).
 * - Claude models: Anthropic's Messages body, built by the Anthropic converter, without `model`
 *   (the URL names it) and with `anthropic_version: "vertex-2023-10-16"`, to
 *   `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`).
 * The Authorization header is added by the service-account authorizer.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { convertToAnthropicBody } from "../anthropic/convert-request.ts";
import { convertToGeminiBody } from "../gemini/convert-request.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { createHeaders, modelUrl } from "./endpoint.ts";
import { isAnthropicModel, vertexAnthropicVersion } from "./vertex-api.ts";

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  if (isAnthropicModel(deployment.model)) {
    const { body, warnings } = convertToAnthropicBody(request, deployment.model, stream);
    const { model: _model, ...rest } = body;
    return {
      upstream: {
        url: modelUrl(deployment, "anthropic", stream ? "streamRawPredict" : "rawPredict"),
        method: "POST",
        headers: createHeaders(stream),
        body: JSON.stringify({ anthropic_version: vertexAnthropicVersion, ...rest }),
      },
      warnings,
    };
  }
  const { body, warnings } = convertToGeminiBody(request, deployment.model, "vertex");
  return {
    upstream: {
      url: modelUrl(deployment, "google", stream ? "streamGenerateContent?alt=sse" : "generateContent"),
      method: "POST",
      headers: createHeaders(stream),
      body: JSON.stringify(body),
    },
    warnings,
  };
}
