/**
 * GET /model/info and /v1/model/info, LiteLLM's: one entry per deployment of the models the
 * caller may use, `{model_name, litellm_params, model_info}`, with the fields scripts written for
 * LiteLLM read (the model, its provider and base URL, mode, per-token prices, context window).
 *
 * Built from an allow-list of fields: an API key, a further secret or an extra header (whose
 * value may be one) is never part of an entry, and the base URL loses any user info, query or
 * fragment, where credentials can hide.
 * @see https://docs.litellm.ai/docs/proxy/model_management
 */
import { isModelAllowed } from "../auth/authenticate.ts";
import { isEmbeddingsModel } from "../routing/route-endpoints.ts";
import { planDeployments } from "../routing/deployment-states.ts";
import type { RuntimeDeployment, RuntimePlan } from "../start/plan.ts";
import type { CallerAnswer } from "./caller-json.ts";

/** The base URL without user info, query or fragment; null when it does not parse. */
function publicBaseUrl(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/$/, "")}`;
}

/** A per-token price as configured: dividing a per-million price leaves float noise (0.1 / 1e6 = 1.0000000000000001e-7). */
function perToken(value: number | undefined): number | null {
  return value === undefined ? null : Number(value.toPrecision(12));
}

function entryOf(modelName: string, target: RuntimeDeployment): unknown {
  const { deployment, price } = target;
  const apiBase = publicBaseUrl(deployment.baseUrl);
  const limits = deployment.limits ?? null;
  return {
    model_name: modelName,
    litellm_params: {
      model: `${deployment.provider}/${deployment.model}`,
      custom_llm_provider: deployment.provider,
      ...(apiBase === null ? {} : { api_base: apiBase }),
      ...(limits === null || limits.rpm === null ? {} : { rpm: limits.rpm }),
      ...(limits === null || limits.tpm === null ? {} : { tpm: limits.tpm }),
      timeout: deployment.timeoutMs / 1000,
    },
    model_info: {
      id: deployment.id,
      db_model: false,
      key: deployment.model,
      litellm_provider: deployment.provider,
      mode: isEmbeddingsModel(target) ? "embedding" : "chat",
      // null: no price is known (a wildcard's is looked up per requested model).
      input_cost_per_token: perToken(price?.input),
      output_cost_per_token: perToken(price?.output),
      cache_read_input_token_cost: perToken(price?.cacheRead),
      cache_creation_input_token_cost: perToken(price?.cacheWrite),
      max_input_tokens: target.maxInputTokens ?? null,
    },
  };
}

export function createModelInfoAnswer(plan: RuntimePlan): CallerAnswer {
  // The entries are fixed by the plan; only the filter is per caller.
  const entries = planDeployments(plan).map(({ route, target }) => ({ modelName: route.name, json: JSON.stringify(entryOf(route.name, target)) }));
  return (caller) => `{"data":[${entries.filter((entry) => isModelAllowed(caller, entry.modelName)).map((entry) => entry.json).join(",")}]}`;
}
