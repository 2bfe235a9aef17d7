/**
 * The body fields LiteLLM clients send for the gateway rather than the model, read here and never
 * forwarded upstream (each is cleared from the body once read):
 * - `num_retries` (retries per model, 0-10) and `fallbacks` (public model names, or
 *   `{ "model": name }` objects, tried in order instead of the model's configured chain): honoured;
 * - `api_key`, `api_base`, `base_url` (client-side upstream credentials): refused with a 400, since
 *   gw's deployments hold the credentials and a caller must not redirect them;
 * - `mock_response` (a text): where the config has `allowMockResponses`, the request is answered
 *   with it in-process (endpoints/mock-response.ts); elsewhere refused with a 400;
 * - `caching`, `cache` (LiteLLM's response-cache controls): gw has no response cache; dropped.
 * (`metadata` is gw's too, but read later for tags: priced-request.ts drops it before the call.)
 * Anything malformed is a 400 naming the field.
 */
import { isModelAllowed } from "../auth/authenticate.ts";
import { type GatewayError, invalidRequest } from "../http/errors.ts";
import type { Caller, RuntimePlan } from "../start/plan.ts";

export interface RequestOverrides {
  attempts?: number;
  fallbacks?: readonly string[];
  /** Answer with the body's `mock_response` in-process (the config allows it). */
  mockResponse?: true;
}

export const maxRequestRetries = 10;

const clientCredentialFields = ["api_key", "api_base", "base_url"] as const;

/** null when the body has neither field (the common case: no allocation). */
export function readRequestOverrides(body: Record<string, unknown>, plan: RuntimePlan, caller: Caller, model: string): RequestOverrides | GatewayError | null {
  for (const field of clientCredentialFields) {
    if (body[field] !== undefined) {
      return invalidRequest(
        `\`${field}\` is not accepted: this gateway calls its providers with its own configured credentials, and a request may not choose them. Remove \`${field}\` (use your gw key as the API key).`,
        field,
        "client_credentials_not_allowed",
      );
    }
  }
  const mock = body["mock_response"];
  if (mock !== undefined) {
    if (!plan.allowMockResponses) {
      return invalidRequest(
        "`mock_response` is not accepted: this gateway answers from its configured deployments (its config may set allowMockResponses for tests).",
        "mock_response",
        "mock_response_not_allowed",
      );
    }
    if (typeof mock !== "string") return invalidRequest("`mock_response` must be the text to answer with.", "mock_response", "invalid_type");
  }
  if (body["caching"] !== undefined) body["caching"] = undefined;
  if (body["cache"] !== undefined) body["cache"] = undefined;
  const retries = body["num_retries"];
  const fallbacks = body["fallbacks"];
  if (retries === undefined && fallbacks === undefined) return mock === undefined ? null : { mockResponse: true };
  body["num_retries"] = undefined;
  body["fallbacks"] = undefined;
  const overrides: RequestOverrides = mock === undefined ? {} : { mockResponse: true };
  if (retries !== undefined && retries !== null) {
    if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0 || retries > maxRequestRetries) {
      return invalidRequest(`\`num_retries\` must be a whole number from 0 to ${maxRequestRetries}.`, "num_retries", "invalid_value");
    }
    overrides.attempts = retries;
  }
  if (fallbacks !== undefined && fallbacks !== null) {
    if (!Array.isArray(fallbacks)) return invalidRequest("`fallbacks` must be an array of model names.", "fallbacks", "invalid_type");
    const names: string[] = [];
    for (let index = 0; index < fallbacks.length; index++) {
      const item: unknown = fallbacks[index];
      const name = typeof item === "string" ? item : typeof item === "object" && item !== null ? (item as { model?: unknown }).model : undefined;
      const param = `fallbacks[${index}]`;
      if (typeof name !== "string" || name === "") return invalidRequest(`${param} must be a model name (or an object with a \`model\`).`, param, "invalid_type");
      if (!plan.routes.has(name) || !isModelAllowed(caller, name)) {
        return invalidRequest(`${param} names "${name.slice(0, 100)}", which is not one of this gateway's models you may use (GET /v1/models lists them).`, param, "invalid_fallback");
      }
      if (name !== model && !names.includes(name)) names.push(name);
    }
    overrides.fallbacks = names;
  }
  return overrides;
}
