import { createBearerHeaders } from "../shared/bearer-headers.ts";
import type { ResolvedDeployment } from "../types.ts";

/** POST target for chat completions; `baseUrl` already includes the version path (`.../v1`). */
export function chatCompletionsUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/chat/completions`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  return createBearerHeaders(deployment, stream ? "text/event-stream" : "application/json");
}
