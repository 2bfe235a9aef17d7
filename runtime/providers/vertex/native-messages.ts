/**
 * Claude on Vertex AI, spoken natively: a client's `/v1/messages` body goes to the model's
 * rawPredict / streamRawPredict as it came, without `model` (the URL names it) and with Vertex's
 * `anthropic_version` (types.ts NativeAdapter). Gemini models are translated instead.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
import { convertResponse } from "../anthropic/convert-response.ts";
import { createStreamConverter } from "../anthropic/convert-stream.ts";
import type { NativeAdapter } from "../types.ts";
import { createHeaders, modelUrl } from "./endpoint.ts";
import { isAnthropicModel, vertexAnthropicVersion } from "./vertex-api.ts";

export const nativeMessages: NativeAdapter = {
  serves: (deployment) => isAnthropicModel(deployment.model),
  buildRequest(body, deployment, stream, beta) {
    const { model: _model, anthropic_version: _version, ...rest } = body;
    const headers = createHeaders(stream);
    if (beta !== null) headers["anthropic-beta"] = beta;
    return {
      url: modelUrl(deployment, "anthropic", stream ? "streamRawPredict" : "rawPredict"),
      method: "POST",
      headers,
      body: JSON.stringify({ anthropic_version: vertexAnthropicVersion, ...rest, stream: stream ? true : undefined }),
    };
  },
  streamFormat: "sse",
  usageOf: (body, context) => convertResponse(body, context).usage,
  createStreamConverter,
};
