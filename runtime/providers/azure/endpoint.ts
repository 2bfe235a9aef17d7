/**
 * Azure OpenAI URLs and credentials.
 *
 * - With `apiVersion` (the dated API): `{baseUrl}/openai/deployments/{deployment}/{operation}?api-version=...`,
 *   where the deployment's `model` is the Azure deployment name; the body needs no `model`.
 * - Without (the v1 API, GA since August 2025): `{baseUrl}/openai/v1/{operation}` with the
 *   deployment name as `model` in the body.
 * `baseUrl` is the resource endpoint (`https://<resource>.openai.azure.com`); a trailing
 * `/openai` or `/openai/v1` that operators copy from the portal is tolerated.
 *
 * Credentials: an Entra ID token (`secrets.entraToken`, from the config's `credentials`) is sent
 * as `Authorization: Bearer`; otherwise the key goes in Azure's `api-key` header.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 */
import type { ResolvedDeployment } from "../types.ts";

export type AzureOperation = "chat/completions" | "embeddings";

/** The resource endpoint without any `/openai[/v1]` suffix. */
function resourceEndpoint(baseUrl: string): string {
  return baseUrl.replace(/\/openai(?:\/v1)?\/?$/, "");
}

/** Whether requests use the dated API (`api-version`) rather than the v1 API. */
export function usesApiVersion(deployment: ResolvedDeployment): boolean {
  return typeof deployment.options.apiVersion === "string" && deployment.options.apiVersion.length > 0;
}

export function azureUrl(deployment: ResolvedDeployment, operation: AzureOperation): string {
  const root = resourceEndpoint(deployment.baseUrl);
  const apiVersion = deployment.options.apiVersion;
  if (typeof apiVersion === "string" && apiVersion.length > 0) {
    return `${root}/openai/deployments/${encodeURIComponent(deployment.model)}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
  }
  return `${root}/openai/v1/${operation}`;
}

/** The first dated api-version with the Responses API (`/openai/responses?api-version=...`). */
const firstResponsesApiVersion = "2025-03-01-preview";

/** Whether a dated `apiVersion` predates the Responses API (such deployments answer it through chat). */
export function predatesResponses(deployment: ResolvedDeployment): boolean {
  const apiVersion = deployment.options.apiVersion;
  return typeof apiVersion === "string" && /^\d{4}-\d{2}-\d{2}/.test(apiVersion) && apiVersion < firstResponsesApiVersion;
}

/**
 * The Responses API's URL: the v1 API's `{endpoint}/openai/v1/responses` (a non-dated `apiVersion`,
 * e.g. "preview", passed as `?api-version=`), or with a dated `apiVersion`
 * `{endpoint}/openai/responses?api-version=...`. Both take the deployment name as `model` in the body.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/how-to/responses
 */
export function responsesUrl(deployment: ResolvedDeployment): string {
  const root = resourceEndpoint(deployment.baseUrl);
  const apiVersion = deployment.options.apiVersion;
  if (typeof apiVersion !== "string" || apiVersion.length === 0) return `${root}/openai/v1/responses`;
  const query = `?api-version=${encodeURIComponent(apiVersion)}`;
  return /^\d{4}-\d{2}-\d{2}/.test(apiVersion) ? `${root}/openai/responses${query}` : `${root}/openai/v1/responses${query}`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  const entraToken = deployment.secrets.entraToken;
  if (entraToken) headers.authorization = `Bearer ${entraToken}`;
  else if (deployment.apiKey) headers["api-key"] = deployment.apiKey;
  return headers;
}
