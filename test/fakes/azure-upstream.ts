/**
 * A fake Azure OpenAI resource speaking the real wire format: OpenAI's bodies with Azure's URLs,
 * credentials and content-filter annotations. Answers come from `azure-text` (built from
 * Microsoft's examples: a first stream chunk with `prompt_filter_results` and empty `choices`,
 * per-choice `content_filter_results`, an asynchronous-filter annotation chunk) and
 * `azure-tool-call` for requests with tools.
 *
 * Serves, like a resource endpoint `https://<resource>.openai.azure.com`:
 * - the dated API: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` and
 *   `.../embeddings?api-version=...`; a missing or malformed api-version is a 404 "Resource not
 *   found", as Azure answers it;
 * - the v1 API: `POST /openai/v1/chat/completions` and `/openai/v1/embeddings`, with the
 *   deployment name as `model` in the body.
 * A deployment that does not exist is a 404 `DeploymentNotFound`. Credentials: the `api-key`
 * header, or `Authorization: Bearer <Entra ID token>`; anything else is Azure's 401.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 */
import { createHash, randomUUID } from "node:crypto";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream, type RecordedRequest } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface AzureUpstreamOptions {
  /** Accepted in the `api-key` header. Default "azure-fake-key". */
  apiKey?: string;
  /** Accepted as `Authorization: Bearer <token>`. Default "entra-fake-token". */
  entraToken?: string;
  /** Deployment names that exist on the resource. Default ["gpt-4o-deployment", "embedding-deployment"]. */
  deployments?: string[];
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

const apiVersionPattern = /^\d{4}-\d{2}-\d{2}(?:-preview)?$/;
const datedPath = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;
const v1Path = /^\/openai\/v1\/(chat\/completions|embeddings)$/;

function errorText(code: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ error: { code, message, ...extra } });
}

const contentFilterBody = JSON.stringify({
  error: {
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400,
    innererror: {
      code: "ResponsibleAIPolicyViolation",
      content_filter_result: {
        hate: { filtered: true, severity: "medium" },
        jailbreak: { filtered: false, detected: false },
        self_harm: { filtered: false, severity: "safe" },
        sexual: { filtered: false, severity: "safe" },
        violence: { filtered: false, severity: "safe" },
      },
    },
  },
});

/** Azure's error bodies by status; a scripted 400 is the content-filter rejection of a prompt. */
export function azureErrorBody(status: number): string {
  switch (status) {
    case 400:
      return contentFilterBody;
    case 401:
      return errorText(
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      );
    case 404:
      return errorText("DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.");
    case 429:
      return errorText(
        "429",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.",
      );
    default:
      return status >= 500
        ? errorText("InternalServerError", "The server had an error while processing your request. Sorry about that!")
        : errorText(String(status), `Request failed with status ${status}.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const [pathname = path, query = ""] = path.split("?", 2);
  return { pathname, query: new URLSearchParams(query) };
}

/** The deployment and operation a request names, or the error Azure answers. */
function routeRequest(request: RecordedRequest, deployments: ReadonlySet<string>): { operation: string } | DialectReply {
  const { pathname, query } = splitPath(request.path);
  const dated = datedPath.exec(pathname);
  let deployment: string;
  let operation: string;
  if (dated) {
    const apiVersion = query.get("api-version");
    if (apiVersion === null || !apiVersionPattern.test(apiVersion)) return { status: 404, body: errorText("404", "Resource not found") };
    deployment = decodeURIComponent(dated[1]!);
    operation = dated[2]!;
  } else {
    const v1 = v1Path.exec(pathname);
    if (!v1) return { status: 404, body: errorText("404", "Resource not found") };
    operation = v1[1]!;
    const model = isRecord(request.body) ? request.body.model : undefined;
    if (typeof model !== "string") return { status: 400, body: errorText("BadRequest", "you must provide a model parameter", { param: "model" }) };
    deployment = model;
  }
  if (!deployments.has(deployment)) return { status: 404, body: azureErrorBody(404) };
  return { operation };
}

function fakeVector(text: string): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: 5 }, (_, index) => Math.round(((digest[index]! - 128) / 128) * 1e6) / 1e6);
}

function toBase64(vector: number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString("base64");
}

function answerEmbeddings(body: unknown): DialectReply {
  if (!isRecord(body)) return { status: 400, body: errorText("BadRequest", "The request body must be a JSON object.") };
  const input = body.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : null;
  if (texts === null || texts.length === 0) return { status: 400, body: errorText("BadRequest", "'input' must be a string or an array of strings.", { param: "input" }) };
  const base64 = body.encoding_format === "base64";
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, text.split(/\s+/).filter((word) => word !== "").length), 0);
  return {
    status: 200,
    body: JSON.stringify({
      object: "list",
      data: texts.map((text, index) => ({ object: "embedding", index, embedding: base64 ? toBase64(fakeVector(text)) : fakeVector(text) })),
      model: "text-embedding-3-small",
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  };
}

function isUsageOnlyChunk(line: string): boolean {
  const parsed = JSON.parse(line) as { choices?: unknown[]; usage?: unknown };
  return Array.isArray(parsed.choices) && parsed.choices.length === 0 && parsed.usage != null;
}

function lastMessageIsToolResult(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  return isRecord(last) && last.role === "tool";
}

export function createAzureDialect(options: AzureUpstreamOptions = {}): FakeDialect {
  const apiKey = options.apiKey ?? "azure-fake-key";
  const entraToken = options.entraToken ?? "entra-fake-token";
  const deployments = new Set(options.deployments ?? ["gpt-4o-deployment", "embedding-deployment"]);
  return {
    isChatPath: (path) => datedPath.test(path) || v1Path.test(path),
    responseHeaders: () => ({ "apim-request-id": randomUUID(), "x-request-id": randomUUID(), "x-ms-region": "East US" }),
    checkRequest(request) {
      const key = request.headers["api-key"];
      const authorization = request.headers.authorization;
      if (key !== apiKey && authorization !== `Bearer ${entraToken}`) return { status: 401, body: azureErrorBody(401) };
      const routed = routeRequest(request, deployments);
      return "operation" in routed ? null : routed;
    },
    respond(request) {
      return splitPath(request.path).pathname.endsWith("/embeddings") ? answerEmbeddings(request.body) : null;
    },
    checkHeaders: () => null,
    checkBody(body) {
      if (!isRecord(body)) return { status: 400, body: errorText("BadRequest", "The request body must be a JSON object.") };
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return { status: 400, body: errorText("BadRequest", "'messages' is a required property", { param: "messages" }) };
      }
      if (body.stream_options != null && body.stream !== true) {
        return { status: 400, body: errorText("BadRequest", "The 'stream_options' parameter is only allowed when 'stream' is enabled.", { param: "stream_options" }) };
      }
      return null;
    },
    errorBody: azureErrorBody,
    errorHeaders: (status): Record<string, string> => (status === 429 ? { "retry-after-ms": "6000", "retry-after": "6" } : {}),
    notFound: () => ({ status: 404, body: errorText("404", "Resource not found") }),
    isStream: (body) => isRecord(body) && body.stream === true,
    pickFixture: (body) => (isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 && !lastMessageIsToolResult(body) ? "azure-tool-call" : "azure-text"),
    streamFrames(lines, body) {
      const includeUsage = isRecord(body) && isRecord(body.stream_options) && body.stream_options.include_usage === true;
      const kept = includeUsage ? lines : lines.filter((line) => !isUsageOnlyChunk(line));
      return [...kept.map((line) => `data: ${line}\n\n`), "data: [DONE]\n\n"];
    },
    streamErrorFrame: () => `data: ${errorText("InternalServerError", "The server had an error while processing your request. Sorry about that!")}\n\n`,
  };
}

export function startAzureUpstream(options: AzureUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createAzureDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
