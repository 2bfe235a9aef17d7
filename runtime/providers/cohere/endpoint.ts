import { createBearerHeaders } from "../shared/bearer-headers.ts";
import type { ResolvedDeployment } from "../types.ts";

export function chatUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/v2/chat`;
}

export function embedUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/v2/embed`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  return createBearerHeaders(deployment, stream ? "text/event-stream" : "application/json");
}
