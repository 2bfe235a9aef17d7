/**
 * Answers at the edge of the app that no endpoint gives: a wrong method (405), an unknown URL
 * (404), an unexpected exception (500), each OpenAI-shaped and logged as one request line, and
 * the log line of requests that are not priced (GET /v1/models).
 */
import type { Context } from "hono";
import type { Caller } from "../start/plan.ts";
import type { Clock } from "../stores/ports.ts";
import { GatewayError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { GatewayMetrics } from "../observability/metrics.ts";
import type { GatewayEnv } from "./request-id.ts";
import { errorResponse } from "./respond.ts";

export interface Edge {
  /** One request line for a request that is not priced (chat completions and embeddings log themselves). */
  logUnpriced(c: Context<GatewayEnv>, path: string, status: number, started: number, caller: Caller | null, error: GatewayError | null): void;
  methodNotAllowed(allow: string): (c: Context<GatewayEnv>) => Response;
  notFound(c: Context<GatewayEnv>): Response;
  /** `internalError` turns the exception into the 500 sent (never its message). */
  onError(error: unknown, c: Context<GatewayEnv>, internalError: (error: unknown) => GatewayError): Response;
}

/** `metrics`: requests the edge answers are counted too (404s and 405s under one path label, never the URL asked for). */
export function createEdge(logger: Logger, clock: Clock, describe: (error: unknown) => string, metrics: GatewayMetrics | null = null): Edge {
  const logLine: Edge["logUnpriced"] = (c, path, status, started, caller, error) => {
    logger.request({
      requestId: c.var.requestId,
      method: c.req.raw.method,
      path,
      status,
      model: null,
      deployment: null,
      provider: null,
      team: caller?.team ?? null,
      keyName: caller?.keyName ?? null,
      usage: null,
      costUsd: null,
      latencyMs: clock.now() - started,
      attempts: 0,
      stream: false,
      error: error === null ? null : (error.code ?? error.type),
    });
  };
  const logUnpriced: Edge["logUnpriced"] = (c, path, status, started, caller, error) => {
    logLine(c, path, status, started, caller, error);
    metrics?.unpriced(path, status);
  };
  const refuse = (c: Context<GatewayEnv>, error: GatewayError, headers: Record<string, string> = {}): Response => {
    logLine(c, c.req.path, error.status, clock.now(), null, error);
    metrics?.unpriced("unmatched", error.status);
    return errorResponse(error, { "x-request-id": c.var.requestId, ...headers });
  };
  return {
    logUnpriced,
    methodNotAllowed: (allow) => (c) =>
      refuse(
        c,
        new GatewayError({
          status: 405,
          type: "invalid_request_error",
          code: "method_not_allowed",
          message: `${c.req.raw.method} is not allowed on ${c.req.path}; use ${allow}.`,
        }),
        { allow },
      ),
    notFound: (c) =>
      refuse(
        c,
        new GatewayError({
          status: 404,
          type: "invalid_request_error",
          code: "unknown_url",
          message: `gw has no route ${c.req.method} ${c.req.path}. It serves POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models and GET /model/info.`,
        }),
      ),
    onError(error, c, internalError) {
      logger.error(`${c.var.requestId}: unexpected error on ${c.req.method} ${c.req.path}: ${describe(error)}`);
      return refuse(c, internalError(error));
    },
  };
}
