/**
 * A non-2xx Ollama answer (`{"error": "text"}`) -> GatewayError, by status as for OpenAI (the
 * OpenAI mapper reads this body shape): 400 keeps Ollama's explanation (e.g. "... does not
 * support tools"), 401/403 concern the optional key, 429 and 5xx are retryable (a 503 is
 * Ollama's "server busy" queue limit). A 404 is a model that was not pulled: the message says
 * to pull it. An error line inside a stream is mapped by mapStreamError.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md
 * @see https://github.com/ollama/ollama/blob/main/docs/faq.md
 */
import { GatewayError } from "../../http/errors.ts";
import { mapError as mapOpenAIError, mapStreamError as mapOpenAIStreamError } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readOllamaError } from "./ollama-api.ts";

export function mapError(status: number, body: string, headers: Headers): GatewayError {
  const mapped = mapOpenAIError("ollama", status, body, headers);
  if (status !== 404) return mapped;
  const upstream = readOllamaError(parseErrorBody(body));
  if (upstream !== null && /\bmodel\b/i.test(upstream)) {
    return new GatewayError({
      status: 404,
      type: "not_found_error",
      code: "model_not_found",
      message: `${mapped.message.replace(/\.?$/, ".")} Pull the model on the Ollama server (\`ollama pull <model>\`), or fix the deployment's model name.`,
    });
  }
  // Not Ollama's JSON error: most likely a baseUrl that is not an Ollama server root.
  return new GatewayError({
    status: 404,
    type: "not_found_error",
    code: mapped.code ?? "upstream_not_found",
    message: `${mapped.message.replace(/\.?$/, ".")} Check the deployment's baseUrl: the Ollama server root, e.g. http://localhost:11434.`,
  });
}

/** An `{"error": "..."}` line inside a 200 stream. */
export function mapStreamError(payload: unknown): GatewayError {
  return mapOpenAIStreamError("ollama", payload);
}
