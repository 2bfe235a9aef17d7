/**
 * GET /v1/models (the models the caller may use, serialized once per caller: the list is fixed
 * per set of allowed models) and GET /v1/models/{id} (OpenAI's retrieve-model).
 */
import { isModelAllowed } from "../auth/authenticate.ts";
import { GatewayError } from "../http/errors.ts";
import type { RouteFinder } from "../routing/find-route.ts";
import type { Caller, RuntimePlan } from "../start/plan.ts";
import type { Clock } from "../stores/ports.ts";
import type { CallerAnswer } from "./caller-json.ts";

export interface ModelsAnswers {
  list: CallerAnswer;
  /** Reads the model id from the route's `id` parameter. */
  retrieve: CallerAnswer;
}

/** OpenAI's 404 for a model to retrieve; the same whether it does not exist or the caller may not use it (existence is not disclosed). */
function modelNotFound(id: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
    message: `The model "${id.replace(/[^\x20-\x7e]/g, "?")}" does not exist on this gateway, or this key may not use it. GET /v1/models lists the models you may use.`,
  });
}

export function createModelsAnswers(plan: RuntimePlan, findRoute: RouteFinder, clock: Clock): ModelsAnswers {
  const created = Math.floor(clock.now() / 1000);
  const modelObject = (id: string) => ({ id, object: "model", created, owned_by: "gw" });
  const listed: ReadonlySet<string> = new Set(plan.modelNames);
  const lists = new Map<Caller, string>();
  return {
    list(caller) {
      let body = lists.get(caller);
      if (body === undefined) {
        body = JSON.stringify({ object: "list", data: plan.modelNames.filter((name) => isModelAllowed(caller, name)).map(modelObject) });
        lists.set(caller, body);
      }
      return body;
    },
    retrieve(caller, c) {
      const id = c.req.param("id") ?? "";
      // What /v1/models lists (wildcard patterns included), or a concrete name a wildcard route serves.
      const exists = listed.has(id) || !(findRoute(id) instanceof GatewayError);
      if (!exists || !isModelAllowed(caller, id)) return modelNotFound(id);
      return JSON.stringify(modelObject(id));
    },
  };
}
