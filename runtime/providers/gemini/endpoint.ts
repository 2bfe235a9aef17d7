import { invalidRequest } from "../../http/errors.ts";
import type { ResolvedDeployment } from "../types.ts";

/**
 * A bare model name goes under `models/`; a resource name ("models/...", "tunedModels/...") is
 * kept. Each segment is percent-encoded: under a wildcard route the name comes from the client,
 * and must never be able to reach another path (`..`) with gw's key.
 */
export function modelPath(model: string): string {
  const segments = model.split("/");
  // URL parsers resolve "." and ".." (even percent-encoded), so such a name is refused outright.
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw invalidRequest(`"${model}" is not a valid Gemini model name.`, "model", "model_not_found");
  }
  const path = segments.map(encodeURIComponent).join("/");
  return segments.length > 1 ? path : `models/${path}`;
}

/** generateContent, or streamGenerateContent framed as SSE (`alt=sse`). */
export function generateContentUrl(deployment: ResolvedDeployment, stream: boolean): string {
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return `${deployment.baseUrl}/${modelPath(deployment.model)}:${method}`;
}

export function batchEmbedContentsUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/${modelPath(deployment.model)}:batchEmbedContents`;
}

export function createHeaders(deployment: ResolvedDeployment, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (deployment.apiKey) headers["x-goog-api-key"] = deployment.apiKey;
  return headers;
}
