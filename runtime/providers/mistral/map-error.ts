/**
 * A non-2xx Mistral answer -> GatewayError. Mistral's bodies are read (see readMistralError:
 * a 422's FastAPI validation details become one readable line), then mapped by status as for
 * OpenAI: 401 is gw's key (never echoed), 429 and 5xx retryable with Retry-After.
 * @see https://docs.mistral.ai/api/
 */
import type { GatewayError } from "../../http/errors.ts";
import { mapError as mapOpenAIError } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readMistralError } from "./mistral-api.ts";

export function mapError(status: number, body: string, headers: Headers): GatewayError {
  const wire = readMistralError(parseErrorBody(body));
  const normalized = wire === null ? body : JSON.stringify({ error: wire });
  return mapOpenAIError("mistral", status, normalized, headers);
}
