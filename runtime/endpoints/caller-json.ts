/**
 * The skeleton of the endpoints that are not priced (GET /v1/models, /v1/models/{id},
 * /model/info, GET and DELETE /v1/responses/{id}): authenticate the caller, answer with JSON made
 * for that caller or with an OpenAI-shaped error, and log one request line.
 */
import { authenticate } from "../auth/authenticate.ts";
import type { ManagedKeyLookup } from "../auth/managed-callers.ts";
import { GatewayError } from "../http/errors.ts";
import type { Edge } from "../http/edge.ts";
import type { GatewayEnv } from "../http/request-id.ts";
import { type ErrorBody, errorResponse, openAiErrorBody } from "../http/respond.ts";
import type { Caller, RuntimePlan } from "../start/plan.ts";
import type { Clock } from "../stores/ports.ts";
import type { Context } from "hono";

/** The serialized JSON answer for `caller`, or the error to answer with (a promise where it reads a store). */
export type CallerAnswer = (caller: Caller, c: Context<GatewayEnv>) => string | GatewayError | Promise<string | GatewayError>;

/** `errorBody`: errors in the endpoint's dialect (Anthropic's for count_tokens); OpenAI's by default. */
export type CallerJsonHandler = (path: string, answer: CallerAnswer, errorBody?: ErrorBody) => (c: Context<GatewayEnv>) => Response | Promise<Response>;

export function createCallerJsonHandler(plan: RuntimePlan, managedKeys: ManagedKeyLookup | null, clock: Clock, edge: Edge): CallerJsonHandler {
  return (path, answer, errorBody = openAiErrorBody) => (c) => {
    const started = clock.now();
    const headers = { "x-request-id": c.var.requestId };
    const caller = authenticate(plan, c.req.raw.headers, managedKeys);
    if (caller instanceof GatewayError) {
      edge.logUnpriced(c, path, caller.status, started, null, caller);
      return errorResponse(caller, headers, errorBody);
    }
    const respond = (body: string | GatewayError): Response => {
      if (body instanceof GatewayError) {
        edge.logUnpriced(c, path, body.status, started, caller, body);
        return errorResponse(body, headers, errorBody);
      }
      edge.logUnpriced(c, path, 200, started, caller, null);
      return new Response(body, { status: 200, headers: { ...headers, "content-type": "application/json" } });
    };
    const answered = answer(caller, c);
    return answered instanceof Promise ? answered.then(respond) : respond(answered);
  };
}
