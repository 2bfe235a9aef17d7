import type { ResolvedDeployment } from "../types.ts";
import { anthropicVersion } from "./anthropic-api.ts";

export function messagesUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/v1/messages`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": anthropicVersion,
  };
  if (deployment.apiKey) headers["x-api-key"] = deployment.apiKey;
  return headers;
}
