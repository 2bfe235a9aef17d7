/**
 * The one skeleton of every priced endpoint (chat completions, embeddings, and the dialects to
 * come): admit (authenticate, read and parse the body, route, model access, limits and budgets)
 * -> execute (the endpoint's deployments of the route, with retries and fallbacks, one
 * attempt-control per attempt) -> respond and settle. An endpoint supplies only what differs:
 * parse, estimate, the upstream call and how a successful outcome is answered.
 *
 * Invariant: whatever happens after admission (a thrown error included), the request's
 * rate-limit slot and budget reservation end exactly once: settled by the response, or released
 * here.
 */
import { type AttemptControl, createAttemptControl } from "../routing/attempt-control.ts";
import type { GatewayError } from "../http/errors.ts";
import { type ExecuteOutcome, executeWithFallbacks } from "../routing/execute.ts";
import type { RuntimeDeployment, RuntimeRoute } from "../start/plan.ts";
import type { ProviderContext } from "../providers/types.ts";
import { abandonRequest, type AdmitOptions, admitRequest, type AdmittedRequest, deploymentLimitsOf, failRequest, type RequestDeps } from "./request-flow.ts";
import { type Endpoint, routeFor } from "../routing/route-endpoints.ts";
import { defaultTag, requestRoutingTags, routeForTags, routeHasTags, tagsHeader } from "../routing/tag-routing.ts";
import { invalidRequest } from "../http/errors.ts";
import { readRequestOverrides } from "../routing/request-overrides.ts";
import { mockResponseRoute } from "./mock-response.ts";

/** One upstream attempt of an admitted request. */
export interface Attempt<Body> {
  target: RuntimeDeployment;
  body: Body;
  context: ProviderContext;
  /** The attempt's timeout and cancellation (the client leaving). */
  control: AttemptControl;
}

export interface PricedEndpoint<Body extends { model: string }, Value> extends AdmitOptions<Body> {
  /** Which deployments of a route may serve it (route-endpoints.ts). */
  kind: Endpoint;
  /** The 400 for a model none of whose deployments serves this endpoint. */
  unsupported(body: Body, route: RuntimeRoute): GatewayError;
  /** Tokens counted against deployments' own limits before an attempt (prompt plus output it may produce). */
  tokenEstimate(body: Body): number;
  /** A finished non-streaming attempt's output tokens, for the latency strategy (time per output token); absent: 1. */
  outputTokens?(value: Value): number | null;
  /** The estimated prompt, checked against deployments' `maxInputTokens` (routing/context-window.ts); absent: no window is checked. */
  promptTokens?(body: Body): number;
  /** One attempt. Its control is disposed when the attempt ends, unless `keepsControl` (a stream still running owns it). */
  call(attempt: Attempt<Body>): Promise<Value>;
  keepsControl?(body: Body): boolean;
  /** The answer to a finished execution (success or failure); it settles the request (request-flow.ts respondWith*). */
  respond(admitted: AdmittedRequest<Body>, outcome: ExecuteOutcome<Value>): Response;
}

/** The 400 for a tagged request none of whose model's deployments carries one of its tags (and none is tagged "default"). */
function noDeploymentForTags(model: string, tags: readonly string[]): GatewayError {
  return invalidRequest(
    `No deployment of model "${model}" carries the request's tags (${tags.join(", ") || "none"}), and none is tagged "${defaultTag}". ` +
      `Send other tags (metadata.tags or the ${tagsHeader} header), or ask the gateway's operator to tag a deployment.`,
    "metadata.tags",
    "no_deployment_for_tags",
  );
}

export async function handlePricedRequest<Body extends { model: string }, Value>(
  request: Request,
  path: string,
  requestId: string,
  deps: RequestDeps,
  endpoint: PricedEndpoint<Body, Value>,
  pathModel: string | null = null,
): Promise<Response> {
  const admitted = await admitRequest(request, path, requestId, deps, endpoint, pathModel);
  if (admitted instanceof Response) return admitted;
  try {
    const { state, caller, body, context } = admitted;
    const overrides = readRequestOverrides(body as unknown as Record<string, unknown>, deps.plan, caller, body.model);
    if (overrides instanceof Error) return failRequest(deps, state, overrides);
    let route = overrides?.mockResponse === true ? mockResponseRoute(admitted.route) : routeFor(admitted.route, endpoint.kind);
    if (route === null) return failRequest(deps, state, endpoint.unsupported(body, admitted.route));
    // Tag routing, only for models whose deployments have tags (no work otherwise).
    const tags = routeHasTags(route) || route.fallbacks.length > 0 || overrides?.fallbacks !== undefined ? requestRoutingTags(body, request.headers) : null;
    if (tags !== null) {
      const tagged = routeForTags(route, tags);
      if (tagged === null) return failRequest(deps, state, noDeploymentForTags(body.model, tags));
      route = tagged;
    }
    // `metadata` is LiteLLM's (tags, trace ids) for gw, read above; forwarded only as OpenAI's own
    // (stored completions, `store: true`), never otherwise (OpenAI refuses it without `store`).
    const fields = body as unknown as Record<string, unknown>;
    if (fields["metadata"] !== undefined && fields["store"] !== true) fields["metadata"] = undefined;
    const signal = request.signal;
    const keepsControl = endpoint.keepsControl?.(body) === true;
    const options = {
      plan: deps.plan,
      route,
      caller,
      random: deps.random,
      sleep: deps.sleep,
      signal,
      limits: deploymentLimitsOf(deps, body, endpoint.tokenEstimate),
      endpoint: endpoint.kind,
      ...(tags === null ? {} : { tags }),
      ...(overrides?.attempts === undefined ? {} : { attempts: overrides.attempts }),
      ...(overrides?.fallbacks === undefined ? {} : { fallbacks: overrides.fallbacks }),
      health: deps.health,
      now: () => deps.clock.now(),
      // A stream still running after its attempt counts as in flight until it is settled.
      stream: keepsControl,
      ...(endpoint.outputTokens === undefined ? {} : { outputTokensOf: endpoint.outputTokens }),
      ...(endpoint.promptTokens === undefined ? {} : { promptTokens: () => (endpoint.promptTokens as (body: Body) => number)(body) }),
    };
    const outcome = await executeWithFallbacks(options, async (target) => {
      const control = createAttemptControl(signal, target.deployment);
      let kept = false;
      try {
        const value = await endpoint.call({ target, body, context, control });
        kept = keepsControl;
        return value;
      } finally {
        if (!kept) control.dispose();
      }
    });
    return endpoint.respond(admitted, outcome);
  } catch (error) {
    abandonRequest(admitted.state);
    throw error;
  }
}
