/**
 * Vertex AI URLs: every model lives under a project and a location (region),
 * `{baseUrl}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/{model}:{method}`:
 * publisher `google` for Gemini (generateContent, streamGenerateContent?alt=sse, predict for
 * embeddings), `anthropic` for Claude (rawPredict, streamRawPredict).
 * The host is regional ("{region}-aiplatform.googleapis.com") except for the `global`
 * location, which is served by "aiplatform.googleapis.com".
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
import { GatewayError } from "../../http/errors.ts";
import type { ResolvedDeployment } from "../types.ts";
import { readServiceAccountProject } from "./service-account.ts";

/** Google's SDKs use this location when none is configured. */
export const vertexDefaultRegion = "us-central1";

export type VertexPublisher = "google" | "anthropic";

interface VertexLocation {
  /** `{baseUrl}/v1/projects/{project}/locations/{region}/publishers/` */
  publishersUrl: string;
}

const locations = new WeakMap<ResolvedDeployment, VertexLocation>();

function resolveLocation(deployment: ResolvedDeployment): VertexLocation {
  const region = deployment.options.region ?? vertexDefaultRegion;
  const project = deployment.options.project ?? readServiceAccountProject(deployment.secrets.serviceAccount);
  if (!project) {
    throw new GatewayError({
      status: 500,
      type: "api_error",
      code: "deployment_misconfigured",
      retryable: false,
      message: `Deployment "${deployment.id}" (vertex) has no Google Cloud project: set \`project\` in its config (or use a service account whose JSON has project_id).`,
    });
  }
  const baseUrl = deployment.baseUrl
    .replaceAll("{region}", region)
    .replaceAll("{project}", project)
    .replace("://global-aiplatform.googleapis.com", "://aiplatform.googleapis.com");
  return { publishersUrl: `${baseUrl}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(region)}/publishers/` };
}

/** The URL of `method` on the deployment's model (or on `model`, for callers that override it). */
export function modelUrl(deployment: ResolvedDeployment, publisher: VertexPublisher, method: string, model: string = deployment.model): string {
  let location = locations.get(deployment);
  if (location === undefined) {
    location = resolveLocation(deployment);
    locations.set(deployment, location);
  }
  // Percent-encoded (keeping Vertex's version separator "@"): under a wildcard route the model name
  // comes from the client and must not reach another path with gw's credentials.
  return `${location.publishersUrl}${publisher}/models/${encodeURIComponent(model).replace(/%40/g, "@")}:${method}`;
}

/** Credentials are added by the authorizer (service-account.ts), after these. */
export function createHeaders(stream: boolean): Record<string, string> {
  return { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json" };
}
