/**
 * Request headers for providers that take their key as `Authorization: Bearer <key>` (OpenAI and
 * the compatible vendors, Cohere, Mistral, Ollama behind a proxy). A deployment without a key (a
 * local server) sends no authorization header at all, rather than an empty bearer.
 */
import type { ResolvedDeployment } from "../types.ts";

/** `accept`: the media type of the answer (a stream's framing, or "application/json"). */
export function createBearerHeaders(deployment: ResolvedDeployment, accept: string): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept };
  if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
  return headers;
}
