/**
 * Which route serves a requested model: an exact route (one Map lookup: the common case costs
 * nothing more), else the wildcard route with the longest matching prefix, resolved for that
 * model: "*" in each deployment's upstream model is replaced by what the client wrote after
 * the prefix, and the price is looked up for that model (once per model name).
 */
import type { CompiledPrice } from "../../contract/bundle.ts";
import { GatewayError, invalidRequest } from "../http/errors.ts";
import { toTokenPrice } from "../start/load-bundle.ts";
import type { RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "../start/plan.ts";

/**
 * The built-in price of `model` at a @pydantic/genai-prices provider id (a deployment's
 * `priceProvider`), or null when unknown. `gw serve` passes the compiler's lookup.
 */
export type PriceLookup = (priceProvider: string, model: string) => CompiledPrice | null;

/** The route for a requested model name, or the error to answer with. */
export type RouteFinder = (model: string) => RuntimeRoute | GatewayError;

/**
 * Resolved wildcard routes and looked-up prices are cached per model name; clients choose the
 * names, so each cache is emptied when it reaches this size rather than growing without bound.
 */
const maxCachedModels = 4096;

function modelNotFound(model: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
    message: `The model "${model}" does not exist on this gateway. GET /v1/models lists the models you may use.`,
  });
}

/**
 * A suffix may become part of an upstream URL path (Gemini, Bedrock, Azure): refuse what could
 * leave the model's path segment (query, fragment, escapes, dot segments) or is not printable.
 */
function isSafeModelSuffix(suffix: string): boolean {
  if (/[^\x21-\x7e]|[?#%\\]/.test(suffix)) return false;
  for (const segment of suffix.split("/")) if (segment === "." || segment === "..") return false;
  return true;
}

function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= maxCachedModels) map.clear();
  map.set(key, value);
}

/** A route finder over the plan's routes; `lookupPrice` prices wildcard deployments that have no configured price. */
export function createRouteFinder(plan: RuntimePlan, lookupPrice: PriceLookup | null = null): RouteFinder {
  const { routes, wildcardRoutes } = plan;
  if (wildcardRoutes.length === 0) return (model) => routes.get(model) ?? modelNotFound(model);

  const prices = new Map<string, { compiled: CompiledPrice; perToken: TokenPrice } | null>();
  const priceOf = (priceProvider: string, model: string): { compiled: CompiledPrice; perToken: TokenPrice } | null => {
    const key = `${priceProvider}\u0000${model}`;
    let price = prices.get(key);
    if (price === undefined) {
      const compiled = lookupPrice === null ? null : lookupPrice(priceProvider, model);
      price = compiled === null ? null : { compiled, perToken: toTokenPrice(compiled) as TokenPrice };
      setBounded(prices, key, price);
    }
    return price;
  };

  const resolveTarget = (target: RuntimeDeployment, suffix: string): RuntimeDeployment => {
    const deployment = target.deployment;
    const model = deployment.model.includes("*") ? deployment.model.replace("*", () => suffix) : deployment.model;
    if (target.price !== null || deployment.priceProvider === null) {
      return { ...target, deployment: { ...deployment, model } };
    }
    const price = priceOf(deployment.priceProvider, model);
    return { ...target, deployment: { ...deployment, model, price: price?.compiled ?? null }, price: price?.perToken ?? null };
  };

  const resolved = new Map<string, RuntimeRoute>();
  return (model) => {
    const exact = routes.get(model);
    if (exact !== undefined) return exact;
    const cached = resolved.get(model);
    if (cached !== undefined) return cached;
    for (const wildcard of wildcardRoutes) {
      const prefix = wildcard.wildcardPrefix as string;
      if (model.length <= prefix.length || !model.startsWith(prefix)) continue;
      const suffix = model.slice(prefix.length);
      // The pattern itself ("anthropic/*") names no model.
      if (suffix.includes("*")) return modelNotFound(model);
      if (!isSafeModelSuffix(suffix)) {
        return invalidRequest(
          `The model name "${model.replace(/[^\x20-\x7e]/g, "?")}" contains characters gw does not pass on to providers (spaces, ?, #, %, \\, control characters or "." / ".." path segments).`,
          "model",
          "invalid_model_name",
        );
      }
      const route: RuntimeRoute = { ...wildcard, name: model, deployments: wildcard.deployments.map((target) => resolveTarget(target, suffix)) };
      setBounded(resolved, model, route);
      return route;
    }
    return modelNotFound(model);
  };
}
