/**
 * Google API errors (Gemini API and Vertex AI) -> GatewayError. Google's body is
 * `{"error": {"code", "message", "status", "details"}}`; the HTTP status decides, the
 * canonical `status` and `details` refine:
 * - 400 INVALID_ARGUMENT / FAILED_PRECONDITION -> 400 (the upstream's words tell what to fix),
 *   except ErrorInfo reason API_KEY_INVALID (Gemini answers a bad key with 400) -> 401.
 * - 401 UNAUTHENTICATED -> 401, 403 PERMISSION_DENIED -> 403, 404 NOT_FOUND -> 404,
 *   neither retryable; the 401 message never quotes the upstream (it may echo credentials).
 * - 429 RESOURCE_EXHAUSTED -> 429, retryable; RetryInfo `retryDelay` ("34.4s") or
 *   Retry-After gives `retryAfterMs`.
 * - 499 CANCELLED, 500 INTERNAL, 503 UNAVAILABLE -> retryable upstream errors;
 *   504 DEADLINE_EXCEEDED -> retryable 504 timeout.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 * @see https://cloud.google.com/apis/design/errors
 */
import { GatewayError } from "../../http/errors.ts";
import type { GatewayErrorType } from "../../http/errors.ts";
import { readRetryAfter, redactSecrets } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readWireError } from "./gemini-api.ts";
import type { GoogleWireError } from "./gemini-api.ts";

export interface GoogleErrorOptions {
  /** Named in messages: "gemini" or "vertex". */
  provider: string;
  /** What gw presented upstream, for the 401 message: "API key" or "service-account access token". */
  credential: string;
}

// Google API keys (AIza...) and OAuth access tokens (ya29....), beyond what redactSecrets knows.
const googleSecretPattern = /\bAIza[0-9A-Za-z_-]{20,}|\bya29\.[0-9A-Za-z_.-]+/g;

export function redactGoogleSecrets(message: string): string {
  return redactSecrets(message).replace(googleSecretPattern, "[redacted]");
}

function typeForStatus(status: number): GatewayErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 408 || status === 504) return "timeout_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500 || status === 499) return "upstream_error";
  return "invalid_request_error";
}

function toGatewayError(status: number, wire: GoogleWireError | null, headers: Headers | null, options: GoogleErrorOptions): GatewayError {
  const { provider } = options;
  const code = wire?.status ?? null;
  const detail = wire?.message ? redactGoogleSecrets(wire.message) : null;
  if (status === 401 || wire?.reason === "API_KEY_INVALID" || wire?.status === "UNAUTHENTICATED") {
    return new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "upstream_authentication_failed",
      retryable: false,
      message: `The ${provider} upstream rejected gw's ${options.credential} for this deployment (HTTP ${status}). Ask the gateway operator to check the deployment's credentials.`,
    });
  }
  const type = typeForStatus(status);
  const retryable = status === 408 || status === 429 || status === 499 || status >= 500;
  const retryAfterMs = retryable ? (wire?.retryDelayMs ?? (headers ? readRetryAfter(headers) : undefined)) : undefined;
  let message: string;
  if (status === 429) {
    message = `The ${provider} upstream is rate limiting gw or its quota is exhausted (HTTP 429)${detail ? `: ${detail}` : "."} Retry later.`;
  } else if (status === 403) {
    message = `The ${provider} upstream refused gw's credentials access to this model or resource (HTTP 403)${detail ? `: ${detail}` : "."}`;
  } else if (retryable) {
    message = `The ${provider} upstream failed (HTTP ${status}${code ? ` ${code}` : ""})${detail ? `: ${detail}` : "."}`;
  } else {
    message = detail ?? `The ${provider} upstream refused the request (HTTP ${status}) without a readable error message.`;
  }
  return new GatewayError({ status: status === 499 ? 502 : status, type, code, message, retryable, retryAfterMs });
}

/** A non-2xx HTTP answer. */
export function mapGoogleError(status: number, body: string, headers: Headers, options: GoogleErrorOptions): GatewayError {
  return toGatewayError(status, readWireError(parseErrorBody(body)), headers, options);
}

/** An `{"error": ...}` payload sent inside a 200 stream; its `code` is the HTTP status it stands for. */
export function mapGoogleStreamError(payload: unknown, options: GoogleErrorOptions): GatewayError {
  const wire = readWireError(payload);
  const status = wire?.code !== null && wire?.code !== undefined && wire.code >= 400 && wire.code <= 599 ? wire.code : 502;
  return toGatewayError(status, wire, null, options);
}

/** A candidate ended with MALFORMED_FUNCTION_CALL (or MALFORMED_RESPONSE) and nothing usable: worth another try. */
export function malformedOutputError(provider: string, finishReason: string, finishMessage: unknown): GatewayError {
  const detail = typeof finishMessage === "string" && finishMessage.length > 0 ? `: ${redactGoogleSecrets(finishMessage)}` : ".";
  return new GatewayError({
    status: 502,
    type: "upstream_error",
    code: finishReason.toLowerCase(),
    retryable: true,
    message: `The ${provider} model ended its answer with ${finishReason}, producing nothing usable${detail}`,
  });
}
