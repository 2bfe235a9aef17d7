/**
 * The request id: made once per request, by the first middleware, and read everywhere else
 * from Hono's context (`c.var.requestId`): the request log, the x-request-id header, the
 * provider context.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/** Per-request state on Hono's context. */
export type GatewayEnv = { Variables: { requestId: string } };

/** `req_<12 random hex>_<counter>`: unique across restarts, cheap per request. */
export function createRequestIdGenerator(): () => string {
  const prefix = `req_${randomUUID().replace(/-/g, "").slice(0, 12)}_`;
  let counter = 0;
  return () => prefix + (++counter).toString(36);
}

export function requestIdMiddleware(next: () => string): MiddlewareHandler<GatewayEnv> {
  return async (c, proceed) => {
    c.set("requestId", next());
    await proceed();
  };
}
