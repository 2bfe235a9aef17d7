/** GET /v1/models: the models the caller may use, serialized once per caller (the list is fixed per set of allowed models). */
import { authenticate, isModelAllowed } from "../auth/authenticate.ts";
import type { ManagedKeyLookup } from "../auth/managed-callers.ts";
import { GatewayError } from "../http/errors.ts";
import type { Edge } from "../http/edge.ts";
import type { GatewayEnv } from "../http/request-id.ts";
import { errorResponse } from "../http/respond.ts";
import type { Caller, RuntimePlan } from "../start/plan.ts";
import type { Clock } from "../stores/ports.ts";
import type { Context } from "hono";

export function createModelsHandler(plan: RuntimePlan, managedKeys: ManagedKeyLookup | null, clock: Clock, edge: Edge, path: string) {
  const created = Math.floor(clock.now() / 1000);
  const lists = new Map<Caller, string>();
  const listFor = (caller: Caller): string => {
    let body = lists.get(caller);
    if (body === undefined) {
      const data = plan.modelNames.filter((name) => isModelAllowed(caller, name)).map((id) => ({ id, object: "model", created, owned_by: "gw" }));
      body = JSON.stringify({ object: "list", data });
      lists.set(caller, body);
    }
    return body;
  };
  return (c: Context<GatewayEnv>): Response => {
    const started = clock.now();
    const id = c.var.requestId;
    const caller = authenticate(plan, c.req.raw.headers, managedKeys);
    if (caller instanceof GatewayError) {
      edge.logUnpriced(c, path, caller.status, started, null, caller);
      return errorResponse(caller, { "x-request-id": id });
    }
    edge.logUnpriced(c, path, 200, started, caller, null);
    return new Response(listFor(caller), { status: 200, headers: { "content-type": "application/json", "x-request-id": id } });
  };
}
