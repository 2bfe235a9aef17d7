/**
 * POST /v1/messages/count_tokens: the prompt tokens of a Messages request, `{"input_tokens": N}`,
 * as gw counts them for admission (the model's tokenizer where gw has one, else its estimate,
 * which errs high). Authenticated and limited to the models the caller may use, like the
 * request it measures; unpriced, and logged as one line.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
import type { Context } from "hono";
import { authenticate } from "../auth/authenticate.ts";
import { GatewayError } from "../http/errors.ts";
import type { Edge } from "../http/edge.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import type { GatewayEnv } from "../http/request-id.ts";
import { errorResponse } from "../http/respond.ts";
import { countTokens } from "../spend/count-tokens.ts";
import { estimatePromptTokens } from "../spend/cost-estimate.ts";
import { anthropicErrorBody } from "./messages-answer.ts";
import { messagesExpectedFields, parseMessagesRequest } from "./messages-request.ts";
import { admitModel, invalidJson, type RequestDeps } from "./request-flow.ts";

/** The prompt's tokens by the model's tokenizer (the overheads as the estimate counts them), else the estimate. */
async function promptTokens(model: string, request: Parameters<typeof estimatePromptTokens>[0]): Promise<number> {
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

export function createCountTokensHandler(deps: RequestDeps, edge: Edge, path: string): (c: Context<GatewayEnv>) => Promise<Response> {
  return async (c) => {
    const started = deps.clock.now();
    const headers = { "x-request-id": c.var.requestId };
    const fail = (error: GatewayError, caller: Parameters<Edge["logUnpriced"]>[4]): Response => {
      edge.logUnpriced(c, path, error.status, started, caller, error);
      return errorResponse(error, headers, anthropicErrorBody);
    };
    const caller = authenticate(deps.plan, c.req.raw.headers, deps.managedKeys);
    if (caller instanceof GatewayError) return fail(caller, null);
    const json = await readJsonBody(c.req.raw, deps.bodyLimits);
    if (json instanceof GatewayError) return fail(json, caller);
    if (typeof json !== "object" || json === null || Array.isArray(json)) return fail(invalidJson(messagesExpectedFields), caller);
    // max_tokens is not part of a count.
    const fields = json as Record<string, unknown>;
    const request = parseMessagesRequest({ ...fields, max_tokens: 1, stream: undefined });
    if (request instanceof GatewayError) return fail(request, caller);
    const route = admitModel(deps, caller, request.model);
    if (route instanceof GatewayError) return fail(route, caller);
    const model = route.deployments[0]?.deployment.model ?? request.model;
    const inputTokens = await promptTokens(model, request);
    edge.logUnpriced(c, path, 200, started, caller, null);
    return new Response(JSON.stringify({ input_tokens: inputTokens }), { status: 200, headers: { ...headers, "content-type": "application/json" } });
  };
}
