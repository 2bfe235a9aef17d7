/**
 * POST /v1/messages/count_tokens: the prompt tokens of a Messages request, `{"input_tokens": N}`,
 * as gw counts them for admission (the model's tokenizer where gw has one, else its estimate,
 * which errs high). Authenticated and limited to the models the caller may use, like the
 * request it measures; unpriced, answered through the caller-JSON skeleton (caller-json.ts).
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
import { GatewayError } from "../http/errors.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import { countTokens } from "../spend/count-tokens.ts";
import { estimatePromptTokens } from "../spend/cost-estimate.ts";
import type { CallerAnswer } from "./caller-json.ts";
import { messagesExpectedFields, parseMessagesRequest } from "./messages-request.ts";
import { admitModel, invalidJson, type RequestDeps } from "./request-flow.ts";

/** The prompt's tokens by the model's tokenizer (the overheads as the estimate counts them), else the estimate. */
async function promptTokens(model: string, request: ChatCompletionRequest): Promise<number> {
  const texts: string[] = [];
  const overhead = estimatePromptTokens(request, (text) => {
    texts.push(text);
    return 0;
  });
  const counted = countTokens(model, texts);
  if (counted === null) return estimatePromptTokens(request);
  try {
    const counts = await counted;
    return counts.reduce((sum, count) => sum + count, overhead);
  } catch {
    return estimatePromptTokens(request);
  }
}

export function countTokensAnswer(deps: RequestDeps): CallerAnswer {
  return async (caller, c) => {
    const json = await readJsonBody(c.req.raw, deps.bodyLimits);
    if (json instanceof GatewayError) return json;
    if (typeof json !== "object" || json === null || Array.isArray(json)) return invalidJson(messagesExpectedFields);
    // max_tokens is not part of a count.
    const request = parseMessagesRequest({ ...(json as Record<string, unknown>), max_tokens: 1, stream: undefined });
    if (request instanceof GatewayError) return request;
    const route = admitModel(deps, caller, request.model);
    if (route instanceof GatewayError) return route;
    const model = route.deployments[0]?.deployment.model ?? request.model;
    return JSON.stringify({ input_tokens: await promptTokens(model, request) });
  };
}
