/**
 * One error type inside, one wire shape outside: OpenAI's
 * `{"error": {"message", "type", "param", "code"}}` with the right HTTP status.
 * Retry and fallback logic read only `retryable`.
 * @see https://platform.openai.com/docs/guides/error-codes
 */

export type GatewayErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "upstream_error";

export interface GatewayErrorInit {
  status: number;
  type: GatewayErrorType;
  message: string;
  code?: string | null;
  param?: string | null;
  /** Defaults to the status rule: 408, 409, 429 and 5xx are retryable. */
  retryable?: boolean;
  /** Milliseconds the provider asked us to wait (from Retry-After and similar). */
  retryAfterMs?: number;
  cause?: unknown;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: GatewayErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "GatewayError";
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError({ status: 400, type: "invalid_request_error", message, param, code });
}

/** An upstream answered with a body we could not read: a 502, retryable on another deployment. */
export function badUpstreamResponse(provider: string, detail: string): GatewayError {
  return new GatewayError({
    status: 502,
    type: "upstream_error",
    code: "bad_upstream_response",
    message: `The ${provider} upstream returned a response gw could not read (${detail}).`,
  });
}

/** Parse an HTTP Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
