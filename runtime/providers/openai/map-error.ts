/**
 * A non-2xx answer (or an in-stream error payload) from OpenAI or an OpenAI-compatible
 * server -> GatewayError. Messages keep the upstream's explanation where it helps the
 * caller fix the request, and never carry a credential.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
import { GatewayError, parseRetryAfter } from "../../http/errors.ts";
import type { GatewayErrorType } from "../../http/errors.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readWireError } from "./openai-api.ts";
import type { OpenAIWireError } from "./openai-api.ts";

// OpenAI and Anthropic (`sk-`, `sk-proj-`, `sk-ant-`), Groq (`gsk_`), xAI (`xai-`) keys and bearer tokens.
const secretPattern = /\b(?:sk-[A-Za-z0-9_*.-]{4,}|gsk_[A-Za-z0-9]{10,}|xai-[A-Za-z0-9]{20,})|\bBearer\s+\S+/g;

/** Remove anything that looks like an API key from an upstream message before it reaches a client. */
export function redactSecrets(message: string): string {
  return message.replace(secretPattern, "[redacted]");
}

/** Milliseconds the upstream asked us to wait: `retry-after-ms` (OpenAI) first, then `retry-after`. */
export function readRetryAfter(headers: Headers): number | undefined {
  const milliseconds = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  return parseRetryAfter(headers.get("retry-after"));
}

function typeForStatus(status: number): GatewayErrorType {
  if (status === 400 || status === 413 || status === 415 || status === 422) return "invalid_request_error";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 408) return "timeout_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "upstream_error";
  return "invalid_request_error";
}

export function mapError(provider: string, status: number, body: string, headers: Headers): GatewayError {
  const wire = readWireError(parseErrorBody(body));
  const upstreamMessage = wire?.message ? redactSecrets(wire.message) : null;
  const type = typeForStatus(status);

  if (status === 401) {
    // The caller authenticated to gw; an upstream 401 means gw's own provider key was refused.
    // OpenAI's message quotes part of the key, so it is never forwarded.
    return new GatewayError({
      status: 401,
      type,
      code: "upstream_authentication_failed",
      message: `The ${provider} upstream rejected gw's provider API key for this deployment (HTTP 401). Ask the gateway operator to check the deployment's apiKey.`,
    });
  }
  if (status === 403) {
    return new GatewayError({
      status,
      type,
      code: wire?.code ?? "upstream_permission_denied",
      message: `The ${provider} upstream refused gw's provider API key access to this model or resource (HTTP 403)${upstreamMessage ? `: ${upstreamMessage}` : "."}`,
    });
  }
  if (status === 429) {
    return new GatewayError({
      status,
      type,
      code: wire?.code ?? "rate_limit_exceeded",
      message: `The ${provider} upstream is rate limiting gw (HTTP 429)${upstreamMessage ? `: ${upstreamMessage}` : "."} Retry later.`,
      retryAfterMs: readRetryAfter(headers),
    });
  }
  if (status >= 500) {
    return new GatewayError({
      status,
      type,
      code: wire?.code ?? "upstream_error",
      message: `The ${provider} upstream failed (HTTP ${status})${upstreamMessage ? `: ${upstreamMessage}` : "."}`,
      retryable: true,
      retryAfterMs: readRetryAfter(headers),
    });
  }
  if (upstreamMessage === null) {
    return new GatewayError({
      status,
      type,
      code: wire?.code ?? null,
      param: wire?.param ?? null,
      message: `The ${provider} upstream answered HTTP ${status} without a readable error message.`,
    });
  }
  // 400, 404, 422 and other client errors: the upstream's words tell the caller what to fix.
  return new GatewayError({ status, type, code: wire?.code ?? null, param: wire?.param ?? null, message: upstreamMessage });
}

/** An `{"error": ...}` payload sent inside a 200 stream. */
export function mapStreamError(provider: string, payload: unknown): GatewayError {
  const wire: OpenAIWireError = readWireError(payload) ?? { message: null, type: null, code: null, param: null };
  const message = `The ${provider} upstream reported an error mid-stream${wire.message ? `: ${redactSecrets(wire.message)}` : "."}`;
  if (wire.type === "invalid_request_error") {
    return new GatewayError({ status: 400, type: "invalid_request_error", code: wire.code, param: wire.param, message });
  }
  if (wire.type === "rate_limit_error" || wire.code === "rate_limit_exceeded") {
    return new GatewayError({ status: 429, type: "rate_limit_error", code: wire.code, message });
  }
  return new GatewayError({ status: 502, type: "upstream_error", code: wire.code ?? "upstream_stream_error", message, retryable: true });
}
