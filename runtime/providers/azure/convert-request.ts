/**
 * OpenAI chat request -> Azure OpenAI: the same body (Azure speaks OpenAI's format), sent to
 * the deployment's URL (see endpoint.ts). With the dated API the deployment is named by the
 * URL and `model` is left out of the body; the v1 API wants the deployment name as `model`.
 * When streaming, usage is always requested (gw prices every request; the stream converter
 * hides it from clients that did not ask for it).
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference#chat-completions
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { topKWarnings, withoutHistoryReasoning } from "../shared/history-reasoning.ts";
import { reasoningEffortFor } from "../openai/reasoning-effort.ts";
import { azureUrl, createHeaders, usesApiVersion } from "./endpoint.ts";

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  // Fields set to undefined are left out by JSON.stringify.
  const warnings = topKWarnings(request, "azure");
  const body: Omit<ChatCompletionRequest, "model"> & { model: string | undefined } = {
    ...request,
    model: usesApiVersion(deployment) ? undefined : deployment.model,
    messages: withoutHistoryReasoning(request.messages),
    // Anthropic's top_k and thinking object (a /v1/messages client's) are not OpenAI's; OpenAI refuses unknown
    // fields. thinking becomes reasoning_effort, read off the deployment's model (or its name, when that names one).
    top_k: undefined,
    thinking: undefined,
    reasoning_effort: reasoningEffortFor(request, deployment.model, "azure", warnings),
    stream: stream ? true : undefined,
    stream_options: stream ? { ...request.stream_options, include_usage: true } : undefined,
  };
  return {
    upstream: {
      url: azureUrl(deployment, "chat/completions"),
      method: "POST",
      headers: createHeaders(deployment, stream),
      body: JSON.stringify(body),
    },
    warnings,
  };
}
