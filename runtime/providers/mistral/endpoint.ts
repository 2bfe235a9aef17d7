import { createBearerHeaders } from "../shared/bearer-headers.ts";
import type { ResolvedDeployment } from "../types.ts";

export function chatCompletionsUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/chat/completions`;
}

export function embeddingsUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/embeddings`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  return createBearerHeaders(deployment, stream ? "text/event-stream" : "application/json");
}
