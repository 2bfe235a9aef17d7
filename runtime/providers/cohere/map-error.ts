/**
 * Cohere errors -> GatewayError. Cohere answers `{"id"?, "message"}` with an HTTP status:
 * 400 bad request, 401 unauthorized, 402 payment required, 404 not found, 422 unprocessable,
 * 429 too many requests (trial keys are rate limited), 498 invalid token, 499 request cancelled,
 * 500 internal error, 503 unavailable, 504 gateway timeout. 498 is an invalid key (as 401); the
 * rest follows the OpenAI-compatible mapping, whose messages never forward a key.
 * @see https://docs.cohere.com/reference/errors
 */
import { GatewayError } from "../../http/errors.ts";
import { mapError as mapOpenAIError, redactSecrets } from "../openai/map-error.ts";
import { readWireError } from "../openai/openai-api.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";

export function mapError(status: number, body: string, headers: Headers): GatewayError {
  if (status === 498) return mapOpenAIError("cohere", 401, body, headers);
  if (status === 499) return mapOpenAIError("cohere", 502, body, headers);
  if (status === 504) {
    const error = mapOpenAIError("cohere", 504, body, headers);
    return new GatewayError({ status: 504, type: "timeout_error", code: error.code, message: error.message, retryable: true, retryAfterMs: error.retryAfterMs });
  }
  if (status === 402) {
    const message = readWireError(parseErrorBody(body))?.message;
    return new GatewayError({
      status: 402,
      type: "permission_error",
      code: "upstream_payment_required",
      message: `The cohere upstream refused gw's account: payment required (HTTP 402)${message ? `: ${redactSecrets(message)}` : "."}`,
    });
  }
  return mapOpenAIError("cohere", status, body, headers);
}
