/**
 * gw speaks OpenAI's format, so the request goes upstream nearly as the client sent it:
 * a shallow copy with the deployment's model, and, when streaming, usage always requested
 * (gw needs it to price the request; the stream converter hides it from clients that did
 * not ask for it).
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { topKWarnings, withoutHistoryReasoning } from "../shared/history-reasoning.ts";
import { reasoningEffortFor } from "./reasoning-effort.ts";
import { chatCompletionsUrl, createHeaders } from "./endpoint.ts";

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  // Fields set to undefined are left out by JSON.stringify (cheaper than `delete`).
  // Anthropic's top_k and thinking object (a /v1/messages client's) are not OpenAI's, which refuses unknown
  // fields: top_k is dropped, thinking becomes reasoning_effort. OpenAI-compatible servers (vLLM, GLM,
  // Kimi...) may take them, and get them as sent.
  const strict = deployment.provider === "openai";
  const warnings = strict ? topKWarnings(request, "openai") : [];
  const body: ChatCompletionRequest = {
    ...request,
    model: deployment.model,
    messages: withoutHistoryReasoning(request.messages),
    top_k: strict ? undefined : request.top_k,
    thinking: strict ? undefined : request.thinking,
    reasoning_effort: strict ? reasoningEffortFor(request, deployment.model, "openai", warnings) : request.reasoning_effort,
    stream: stream ? true : undefined,
    stream_options: stream ? { ...request.stream_options, include_usage: true } : undefined,
  };
  return {
    upstream: {
      url: chatCompletionsUrl(deployment),
      method: "POST",
      headers: createHeaders(deployment, stream),
      body: JSON.stringify(body),
    },
    warnings,
  };
}

/** Whether the client itself asked for the final usage chunk of a stream. */
export function clientWantsUsage(request: ChatCompletionRequest): boolean {
  return request.stream_options?.include_usage === true;
}
