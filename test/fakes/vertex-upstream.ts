/**
 * A fake Vertex AI upstream speaking the real wire formats, fed by recorded responses:
 * - Gemini models: `POST /v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent`
 *   and `:streamGenerateContent?alt=sse` (google-text / google-tool-call), `:predict` for
 *   embeddings (google-vertex-embedding's vectors, repeated for more inputs);
 * - Claude models: `.../publishers/anthropic/models/{model}:rawPredict` and `:streamRawPredict`
 *   (anthropic-text / anthropic-json-tool.1), the body checked as Anthropic checks a Messages
 *   body, plus what Vertex adds: `anthropic_version: "vertex-2023-10-16"`, no `model`.
 * `baseUrl` is `url` (like https://us-central1-aiplatform.googleapis.com).
 *
 * Every request needs `Authorization: Bearer <token>` with a token the fake token endpoint
 * issued (`isIssuedToken`), else Google's 401 UNAUTHENTICATED; the project and location in
 * the path must be the configured ones, else 404 / 400.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
import { createAnthropicDialect } from "./anthropic-upstream.ts";
import { readFixture, startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream, type RecordedRequest } from "./fake-server.ts";
import { checkGenerateContentBody, geminiStreamErrorFrame, geminiStreamFrames, googleErrorBody } from "./gemini-upstream.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface VertexUpstreamOptions {
  project: string;
  region: string;
  /** Whether a bearer token is one the (fake) token endpoint issued. */
  isIssuedToken(token: string): boolean;
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

interface VertexTarget {
  project: string;
  region: string;
  publisher: string;
  model: string;
  method: string;
}

const modelPath = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;
const methods: Record<string, ReadonlySet<string>> = {
  google: new Set(["generateContent", "streamGenerateContent"]),
  anthropic: new Set(["rawPredict", "streamRawPredict"]),
};

export function parseVertexPath(path: string): VertexTarget | null {
  const match = modelPath.exec(path.split("?")[0] ?? path);
  if (!match) return null;
  const [, project, region, publisher, model, method] = match.map((part) => decodeURIComponent(part)) as [string, string, string, string, string, string];
  return { project, region, publisher, model, method };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAnthropicBody(body: unknown): boolean {
  return isRecord(body) && body.anthropic_version !== undefined;
}

function anthropicInvalid(message: string): DialectReply {
  return { status: 400, body: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message } }) };
}

const unauthenticated: DialectReply = {
  status: 401,
  body: googleErrorBody(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
  ),
};

export function createVertexDialect(options: VertexUpstreamOptions): FakeDialect {
  const anthropic = createAnthropicDialect();
  return {
    isChatPath(path) {
      const target = parseVertexPath(path);
      return target !== null && methods[target.publisher]?.has(target.method) === true;
    },
    isOtherPath: (path) => parseVertexPath(path)?.method === "predict",
    responseHeaders: () => ({ server: "scaffolding on HTTPServer2" }),
    checkRequest(request: RecordedRequest) {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      if (token === undefined || !options.isIssuedToken(token)) return unauthenticated;
      const target = parseVertexPath(request.path);
      if (target === null) return null;
      if (target.project !== options.project) return { status: 403, body: googleErrorBody(403, `Permission denied on resource project ${target.project}.`) };
      if (target.region !== options.region) return { status: 400, body: googleErrorBody(400, `Location ${target.region} is not supported for this fake.`) };
      const query = new URLSearchParams(request.path.split("?")[1] ?? "");
      if (target.publisher === "google") {
        if (target.method === "predict") return null;
        if (target.method === "streamGenerateContent" && query.get("alt") !== "sse") {
          return { status: 400, body: googleErrorBody(400, "This fake serves streamGenerateContent only with alt=sse.") };
        }
        const problem = checkGenerateContentBody(request.body, target.model, true);
        return problem ? { status: 400, body: googleErrorBody(400, problem) } : null;
      }
      if (!isRecord(request.body)) return anthropicInvalid("There was an issue with your request body: the body must be a JSON object.");
      const { anthropic_version: version, ...rest } = request.body;
      if (version !== "vertex-2023-10-16") return anthropicInvalid(`anthropic_version: Input should be 'vertex-2023-10-16'`);
      if (rest.model !== undefined) return anthropicInvalid("model: Extra inputs are not permitted");
      if ((rest.stream === true) !== (target.method === "streamRawPredict")) {
        return anthropicInvalid(`stream: must be ${target.method === "streamRawPredict" ? "true for streamRawPredict" : "absent for rawPredict"}`);
      }
      return anthropic.checkBody({ ...rest, model: target.model }, JSON.stringify(rest));
    },
    respond(request: RecordedRequest) {
      const target = parseVertexPath(request.path);
      if (target?.method !== "predict") return null;
      const instances = isRecord(request.body) && Array.isArray(request.body.instances) ? request.body.instances : null;
      if (instances === null || instances.length === 0) return { status: 400, body: googleErrorBody(400, "instances must be a non-empty list.") };
      if (!instances.every((instance) => isRecord(instance) && typeof instance.content === "string")) {
        return { status: 400, body: googleErrorBody(400, "Each instance needs a `content` string.") };
      }
      const recorded = JSON.parse(readFixture("google-vertex-embedding.json")) as { predictions: unknown[]; metadata: unknown };
      const predictions = instances.map((_, index) => recorded.predictions[index % recorded.predictions.length]);
      return { status: 200, body: JSON.stringify({ predictions, metadata: recorded.metadata }) };
    },
    checkHeaders: () => null,
    checkBody: () => null,
    errorBody: (status) => googleErrorBody(status),
    notFound: (path) => ({ status: 404, body: googleErrorBody(404, `Publisher model \`${path}\` was not found or your project does not have access to it.`) }),
    isStream: (_body, path) => path.endsWith(":streamGenerateContent") || path.endsWith(":streamRawPredict"),
    pickFixture(body, path) {
      const tools = isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0;
      if (parseVertexPath(path)?.publisher === "anthropic") return tools ? "anthropic-json-tool.1" : "anthropic-text";
      return tools ? "google-tool-call" : "google-text";
    },
    streamFrames: (lines, body) => (isAnthropicBody(body) ? anthropic.streamFrames(lines, body) : geminiStreamFrames(lines)),
    streamErrorFrame: () => geminiStreamErrorFrame,
  };
}

export function startVertexUpstream(options: VertexUpstreamOptions): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createVertexDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
