/**
 * Vertex AI errors -> GatewayError. Google's front end answers in Google's error format
 * (authentication, permissions, quota, unknown models, Gemini's own errors); Claude's errors
 * from rawPredict keep Anthropic's format. Each goes through its own mapper.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-list
 */
import type { GatewayError } from "../../http/errors.ts";
import { mapError as mapAnthropicError } from "../anthropic/map-error.ts";
import { mapGoogleError } from "../gemini/map-error.ts";
import type { GoogleErrorOptions } from "../gemini/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { isAnthropicError } from "./vertex-api.ts";

export const vertexErrors: GoogleErrorOptions = { provider: "vertex", credential: "service-account access token" };

export function mapError(status: number, body: string, headers: Headers): GatewayError {
  return isAnthropicError(parseErrorBody(body)) ? mapAnthropicError(status, body, headers) : mapGoogleError(status, body, headers, vertexErrors);
}
