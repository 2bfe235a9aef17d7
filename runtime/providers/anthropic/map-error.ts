/**
 * Anthropic errors -> GatewayError. Anthropic's types and statuses:
 * invalid_request_error 400, authentication_error 401, billing_error 402,
 * permission_error 403, not_found_error 404, request_too_large 413, rate_limit_error 429,
 * api_error 500, timeout_error 504, overloaded_error 529.
 * An overload is sent to clients as 503 (a status every HTTP client knows), code
 * `overloaded_error`, retryable.
 * @see https://docs.anthropic.com/en/api/errors
 */
import { GatewayError } from "../../http/errors.ts";
import type { GatewayErrorType } from "../../http/errors.ts";
import { readRetryAfter, redactSecrets } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readWireError } from "./anthropic-api.ts";

interface ErrorRule {
  status: number;
  type: GatewayErrorType;
  retryable: boolean;
}

const rulesByType: Readonly<Record<string, ErrorRule>> = {
  invalid_request_error: { status: 400, type: "invalid_request_error", retryable: false },
  authentication_error: { status: 401, type: "authentication_error", retryable: false },
  billing_error: { status: 402, type: "permission_error", retryable: false },
  permission_error: { status: 403, type: "permission_error", retryable: false },
  not_found_error: { status: 404, type: "not_found_error", retryable: false },
  request_too_large: { status: 413, type: "invalid_request_error", retryable: false },
  rate_limit_error: { status: 429, type: "rate_limit_error", retryable: true },
  api_error: { status: 500, type: "upstream_error", retryable: true },
  timeout_error: { status: 504, type: "timeout_error", retryable: true },
  overloaded_error: { status: 503, type: "upstream_error", retryable: true },
};

function ruleForStatus(status: number): ErrorRule {
  if (status === 401) return rulesByType.authentication_error!;
  if (status === 402) return rulesByType.billing_error!;
  if (status === 403) return rulesByType.permission_error!;
  if (status === 404) return rulesByType.not_found_error!;
  if (status === 408) return { status: 408, type: "timeout_error", retryable: true };
  if (status === 413) return rulesByType.request_too_large!;
  if (status === 429) return rulesByType.rate_limit_error!;
  if (status === 529) return rulesByType.overloaded_error!;
  if (status >= 500) return { status, type: "upstream_error", retryable: true };
  return { status, type: "invalid_request_error", retryable: status === 409 };
}

function toGatewayError(rule: ErrorRule, wireType: string | null, upstreamMessage: string | null, retryAfterMs?: number): GatewayError {
  const code = wireType ?? null;
  if (rule.status === 401) {
    return new GatewayError({
      ...rule,
      code: "upstream_authentication_failed",
      message: "The anthropic upstream rejected gw's provider API key for this deployment (HTTP 401). Ask the gateway operator to check the deployment's apiKey.",
    });
  }
  const detail = upstreamMessage ? redactSecrets(upstreamMessage) : null;
  let message: string;
  if (rule.status === 400 || rule.status === 404 || rule.status === 413) {
    message = detail ?? `The anthropic upstream refused the request (HTTP ${rule.status}).`;
  } else if (rule.status === 429) {
    message = `The anthropic upstream is rate limiting gw (HTTP 429)${detail ? `: ${detail}` : "."} Retry later.`;
  } else if (wireType === "overloaded_error") {
    message = `The anthropic upstream is overloaded${detail ? `: ${detail}` : "."} Retry later.`;
  } else if (rule.status === 402 || rule.status === 403) {
    message = `The anthropic upstream refused gw's provider account (HTTP ${rule.status})${detail ? `: ${detail}` : "."}`;
  } else {
    message = `The anthropic upstream failed (HTTP ${rule.status})${detail ? `: ${detail}` : "."}`;
  }
  return new GatewayError({ ...rule, code, message, retryAfterMs });
}

/** A non-2xx HTTP answer. The HTTP status decides; the body supplies the explanation. */
export function mapError(status: number, body: string, headers: Headers): GatewayError {
  const wire = readWireError(parseErrorBody(body));
  const rule = ruleForStatus(status);
  const retryAfterMs = rule.retryable ? readRetryAfter(headers) : undefined;
  return toGatewayError(rule, wire?.type ?? null, wire?.message ?? null, retryAfterMs);
}

/** An `error` event inside a 200 stream: only the error type tells what happened. */
export function mapStreamError(payload: unknown): GatewayError {
  const wire = readWireError(payload);
  const rule = (wire?.type && Object.hasOwn(rulesByType, wire.type) ? rulesByType[wire.type] : undefined) ?? {
    status: 502,
    type: "upstream_error" as const,
    retryable: true,
  };
  return toGatewayError(rule, wire?.type ?? null, wire?.message ?? null);
}
