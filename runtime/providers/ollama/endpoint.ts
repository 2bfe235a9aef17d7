import { createBearerHeaders } from "../shared/bearer-headers.ts";
import type { ResolvedDeployment } from "../types.ts";

/** The server root, tolerating a baseUrl written with a trailing `/api`. */
function serverRoot(deployment: ResolvedDeployment): string {
  return deployment.baseUrl.replace(/\/api\/?$/, "");
}

export function chatUrl(deployment: ResolvedDeployment): string {
  return `${serverRoot(deployment)}/api/chat`;
}

export function embedUrl(deployment: ResolvedDeployment): string {
  return `${serverRoot(deployment)}/api/embed`;
}

/** A key is optional: local servers need none; a proxy or ollama.com takes a bearer key. */
export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  return createBearerHeaders(deployment, stream ? "application/x-ndjson" : "application/json");
}
