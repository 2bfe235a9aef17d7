/**
 * A non-2xx Azure OpenAI answer -> GatewayError. Azure uses OpenAI's error body with its own
 * codes; what differs from OpenAI is handled here, the rest by OpenAI's mapper:
 * - a prompt blocked by the content filter: 400 `content_filter` with an `innererror` naming
 *   the categories -> a 400 that says so (not retryable: the same prompt is blocked again);
 * - 401 covers both credentials Azure accepts (api-key and Entra ID token);
 * - 404 `DeploymentNotFound` and friends get a hint about what to check;
 * - 429 bodies carry the status as `code` ("429"); retry-after-ms / retry-after are read.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/quotas-limits
 */
import { GatewayError } from "../../http/errors.ts";
import { mapError as mapOpenAIError } from "../openai/map-error.ts";
import { parseErrorBody } from "../shared/parse-error-body.ts";
import { readContentFilterError } from "./azure-api.ts";

export function mapError(status: number, body: string, headers: Headers): GatewayError {
  const payload = parseErrorBody(body);
  if (status === 400) {
    const filtered = readContentFilterError(payload);
    if (filtered) {
      const categories = filtered.categories.length > 0 ? ` (${filtered.categories.join(", ")})` : "";
      return new GatewayError({
        status: 400,
        type: "invalid_request_error",
        code: "content_filter",
        param: "messages",
        message: `Azure OpenAI's content filter blocked the prompt${categories}. Rephrase the request, or ask the gateway operator to review the content filter configured for this Azure deployment.`,
      });
    }
  }
  if (status === 401) {
    return new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "upstream_authentication_failed",
      message:
        "The azure upstream rejected gw's credentials for this deployment (HTTP 401). Ask the gateway operator to check the deployment's apiKey (sent as api-key) or Entra ID token (credentials), and that its baseUrl is the resource's endpoint.",
    });
  }
  const mapped = mapOpenAIError("azure", status, body, headers);
  if (status === 404) {
    return new GatewayError({
      status: 404,
      type: mapped.type,
      code: mapped.code ?? "deployment_not_found",
      message: `${mapped.message.replace(/\.?$/, ".")} Check the deployment's model (the Azure deployment name), baseUrl and apiVersion.`,
    });
  }
  if (status === 429 && (mapped.code === null || /^\d+$/.test(mapped.code))) {
    return new GatewayError({
      status: 429,
      type: mapped.type,
      code: "rate_limit_exceeded",
      message: mapped.message,
      retryAfterMs: mapped.retryAfterMs,
    });
  }
  return mapped;
}
