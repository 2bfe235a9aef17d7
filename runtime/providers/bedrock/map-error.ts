/**
 * Bedrock errors -> GatewayError. Bedrock names the error in the `x-amzn-errortype` header
 * ("ValidationException:http://internal.amazon.com/coral/..."; the part before ":" is the type)
 * and explains it in the body `{"message": "..."}`; exceptions inside a ConverseStream arrive as
 * event-stream exception messages (`exception:<type>`, lower camel case, e.g. throttlingException).
 *
 * The error type decides: a credential or signature problem is gw's own AWS identity being
 * refused (HTTP 403, code `upstream_authentication_failed`; AWS's message is not forwarded), a
 * model that is still loading is a retryable 503, a model timeout a retryable 408.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */
import { GatewayError } from "../../http/errors.ts";
import type { GatewayErrorType } from "../../http/errors.ts";
import { readRetryAfter, redactSecrets } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { isRecord, readErrorMessage } from "./bedrock-api.ts";

interface ErrorRule {
  status: number;
  type: GatewayErrorType;
  retryable: boolean;
}

const rulesByType: Readonly<Record<string, ErrorRule>> = {
  ValidationException: { status: 400, type: "invalid_request_error", retryable: false },
  AccessDeniedException: { status: 403, type: "permission_error", retryable: false },
  ResourceNotFoundException: { status: 404, type: "not_found_error", retryable: false },
  ModelTimeoutException: { status: 408, type: "timeout_error", retryable: true },
  ThrottlingException: { status: 429, type: "rate_limit_error", retryable: true },
  // Another deployment (account or region) may have quota left.
  ServiceQuotaExceededException: { status: 429, type: "rate_limit_error", retryable: true },
  InternalServerException: { status: 500, type: "upstream_error", retryable: true },
  ModelErrorException: { status: 502, type: "upstream_error", retryable: true },
  ModelStreamErrorException: { status: 502, type: "upstream_error", retryable: true },
  ModelNotReadyException: { status: 503, type: "upstream_error", retryable: true },
  ServiceUnavailableException: { status: 503, type: "upstream_error", retryable: true },
};

/** Errors meaning AWS did not accept gw's credentials or signature. */
const credentialErrors: ReadonlySet<string> = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "SignatureDoesNotMatch",
  "MissingAuthenticationTokenException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
]);

function ruleForStatus(status: number): ErrorRule {
  if (status === 400 || status === 413 || status === 422) return { status, type: "invalid_request_error", retryable: false };
  if (status === 401 || status === 403) return { status: 403, type: "permission_error", retryable: false };
  if (status === 404) return { status, type: "not_found_error", retryable: false };
  if (status === 408) return { status, type: "timeout_error", retryable: true };
  if (status === 429) return { status, type: "rate_limit_error", retryable: true };
  if (status >= 500) return { status, type: "upstream_error", retryable: true };
  return { status, type: "invalid_request_error", retryable: status === 409 };
}

/** "ThrottlingException:http://..." or "throttlingException" -> "ThrottlingException". */
export function normalizeErrorType(value: string | null | undefined): string | null {
  if (!value) return null;
  const name = value.split(":")[0]!.trim();
  return name.length === 0 ? null : name[0]!.toUpperCase() + name.slice(1);
}

function credentialError(errorType: string, status: number): GatewayError {
  const expired = errorType.startsWith("Expired");
  return new GatewayError({
    status: 403,
    type: "permission_error",
    code: "upstream_authentication_failed",
    retryable: false,
    message: expired
      ? `The bedrock upstream rejected gw's AWS credentials for this deployment: the session token has expired (${errorType}, HTTP ${status}). Ask the gateway operator to renew AWS_SESSION_TOKEN and the keys that go with it.`
      : `The bedrock upstream rejected gw's AWS credentials for this deployment (${errorType}, HTTP ${status}). Ask the gateway operator to check the deployment's AWS access key, secret key, session token and region.`,
  });
}

function toGatewayError(rule: ErrorRule, errorType: string | null, upstreamMessage: string | null, retryAfterMs?: number): GatewayError {
  const detail = upstreamMessage ? redactSecrets(upstreamMessage) : null;
  const named = errorType ? ` (${errorType})` : "";
  let message: string;
  if (rule.status === 400 || rule.status === 404) {
    message = detail ?? `The bedrock upstream refused the request${named}, HTTP ${rule.status}.`;
  } else if (rule.status === 403) {
    message = `The bedrock upstream denied gw's AWS identity access${named}${detail ? `: ${detail}` : "."} Ask the gateway operator to grant bedrock:InvokeModel (and model access) for this model.`;
  } else if (rule.status === 429) {
    message = `The bedrock upstream is throttling gw${named}${detail ? `: ${detail}` : "."} Retry later.`;
  } else if (rule.status === 408) {
    message = `The bedrock model took too long to answer${named}${detail ? `: ${detail}` : "."}`;
  } else if (rule.status === 503) {
    message = `The bedrock upstream is not available right now${named}${detail ? `: ${detail}` : "."} Retry later.`;
  } else {
    message = `The bedrock upstream failed${named}, HTTP ${rule.status}${detail ? `: ${detail}` : "."}`;
  }
  return new GatewayError({ ...rule, code: errorType, message, retryAfterMs });
}

function errorTypeOf(payload: unknown, headers: Headers): string | null {
  const fromHeader = normalizeErrorType(headers.get("x-amzn-errortype"));
  if (fromHeader) return fromHeader;
  if (isRecord(payload)) {
    const fromBody = payload.__type ?? payload.code ?? payload.Code;
    if (typeof fromBody === "string") return normalizeErrorType(fromBody.split("#").pop());
  }
  return null;
}

/** A non-2xx HTTP answer. */
export function mapError(status: number, body: string, headers: Headers): GatewayError {
  const payload = parseErrorBody(body);
  const errorType = errorTypeOf(payload, headers);
  if (errorType && credentialErrors.has(errorType)) return credentialError(errorType, status);
  const rule = (errorType && Object.hasOwn(rulesByType, errorType) ? rulesByType[errorType] : undefined) ?? ruleForStatus(status);
  const retryAfterMs = rule.retryable ? readRetryAfter(headers) : undefined;
  return toGatewayError(rule, errorType, readErrorMessage(payload), retryAfterMs);
}

/** An exception message inside a ConverseStream: `type` is its `:exception-type`, `data` its JSON payload. */
export function mapStreamError(type: string, data: string): GatewayError {
  const errorType = normalizeErrorType(type);
  if (errorType && credentialErrors.has(errorType)) return credentialError(errorType, 403);
  const rule = (errorType && Object.hasOwn(rulesByType, errorType) ? rulesByType[errorType] : undefined) ?? {
    status: 502,
    type: "upstream_error" as const,
    retryable: true,
  };
  return toGatewayError(rule, errorType, readErrorMessage(parseErrorBody(data)));
}
