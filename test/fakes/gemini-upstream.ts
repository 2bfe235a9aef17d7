/**
 * A fake Gemini API (AI Studio) upstream speaking the real wire format, fed by recorded
 * responses: `google-text` for requests without tools, `google-tool-call` for requests with
 * `tools`. `baseUrl` is `url + "/v1beta"`, like https://generativelanguage.googleapis.com/v1beta.
 *
 * Serves `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`
 * (each line re-framed `data: LINE\r\n\r\n`, as Google does) and `:batchEmbedContents`
 * (vectors computed from the texts: there is no recording of it).
 * Checks what Google checks and a converter can get wrong:
 * - the key in `x-goog-api-key`: a wrong key is Google's 400 API_KEY_INVALID, none is 403;
 * - streamGenerateContent without `alt=sse` (gw could not read the JSON-array framing);
 * - request fields: unknown top-level or generationConfig fields (OpenAI's `messages`,
 *   `max_tokens`...) are 400 "Unknown name", roles must be user or model, parts non-empty with
 *   one kind of data each; function parameters and responseSchema only with Schema fields
 *   (`additionalProperties`, `$schema`... are 400, as Google answers);
 * - Gemini 3 models: the first function call of a model turn needs a `thoughtSignature`.
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 */
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream, type RecordedRequest } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface GeminiUpstreamOptions {
  /** The key requests must carry in `x-goog-api-key`. Default "AIza-fake-gemini-key". */
  apiKey?: string;
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

/** Google's canonical error status for each HTTP status. */
const canonicalStatus: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const canonicalMessages: Record<string, string> = {
  INVALID_ARGUMENT: "Request contains an invalid argument.",
  UNAUTHENTICATED: "Request had invalid authentication credentials.",
  PERMISSION_DENIED: "The caller does not have permission",
  NOT_FOUND: "Requested entity was not found.",
  RESOURCE_EXHAUSTED: "You exceeded your current quota, please check your plan and billing details.",
  INTERNAL: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  UNAVAILABLE: "The model is overloaded. Please try again later.",
  DEADLINE_EXCEEDED: "The request timed out. Please try again.",
};

/** Google's error body for `status`; a 429 carries a short RetryInfo, as Google's do. */
export function googleErrorBody(status: number, message?: string, details: unknown[] = []): string {
  const canonical = canonicalStatus[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
  const extra = status === 429 ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.05s" }] : [];
  return JSON.stringify({
    error: { code: status, message: message ?? canonicalMessages[canonical] ?? `HTTP ${status}`, status: canonical, details: [...details, ...extra] },
  });
}

function invalid(message: string): DialectReply {
  return { status: 400, body: googleErrorBody(400, message) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const requestFields = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent", "labels"]);
const generationConfigFields = new Set([
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "stopSequences",
  "candidateCount",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseLogprobs",
  "logprobs",
  "thinkingConfig",
]);
const schemaFields = new Set([
  "type",
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "properties",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "anyOf",
  "propertyOrdering",
  "default",
  "items",
  "minimum",
  "maximum",
]);
const schemaTypes = new Set(["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"]);
const partData = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];

/** The field Google would name as unknown in a schema, or null. */
function checkSchema(schema: unknown, at: string): string | null {
  if (!isRecord(schema)) return `Invalid value at '${at}': not an object`;
  for (const key of Object.keys(schema)) {
    if (!schemaFields.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`;
  }
  if (schema.type !== undefined && !(typeof schema.type === "string" && schemaTypes.has(schema.type.toUpperCase()))) {
    return `Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "${String(schema.type)}"`;
  }
  if (String(schema.type).toUpperCase() === "OBJECT" && isRecord(schema.properties) && Object.keys(schema.properties).length === 0) {
    return `* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type`;
  }
  if (isRecord(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      const problem = checkSchema(property, `${at}.properties[${name}].value`);
      if (problem) return problem;
    }
  }
  if (schema.items !== undefined) {
    const problem = checkSchema(schema.items, `${at}.items`);
    if (problem) return problem;
  }
  if (Array.isArray(schema.anyOf)) {
    for (const [index, branch] of schema.anyOf.entries()) {
      const problem = checkSchema(branch, `${at}.any_of[${index}]`);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * The checks Google applies to a generateContent body; null when it would accept it.
 * `requireRole`: Vertex AI wants every content's role (the Gemini API assumes "user").
 */
export function checkGenerateContentBody(body: unknown, model: string, requireRole = false): string | null {
  if (!isRecord(body)) return "Invalid JSON payload received. Expected an object.";
  for (const key of Object.keys(body)) {
    if (!requestFields.has(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  const needsSignature = !/^gemini-(?:1|2)[.-]/.test(model);
  for (const [index, content] of body.contents.entries()) {
    if (!isRecord(content)) return `Invalid value at 'contents[${index}]'`;
    if (content.role === undefined ? requireRole : content.role !== "user" && content.role !== "model") {
      return `Please use a valid role: user, model.`;
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`;
    let firstCall = true;
    for (const [partIndex, part] of content.parts.entries()) {
      if (!isRecord(part)) return `Invalid value at 'contents[${index}].parts[${partIndex}]'`;
      const kinds = partData.filter((kind) => part[kind] !== undefined);
      if (kinds.length !== 1) return `* GenerateContentRequest.contents[${index}].parts[${partIndex}].data: required oneof field 'data' must have one initialized field`;
      if (kinds[0] === "functionCall") {
        if (needsSignature && firstCall && typeof part.thoughtSignature !== "string") {
          return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String((part.functionCall as Record<string, unknown>).name)}\` , position ${partIndex + 1}.`;
        }
        firstCall = false;
      }
    }
  }
  if (body.generationConfig !== undefined) {
    if (!isRecord(body.generationConfig)) return "Invalid value at 'generation_config'";
    for (const key of Object.keys(body.generationConfig)) {
      if (!generationConfigFields.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'generation_config': Cannot find field.`;
    }
    if (body.generationConfig.responseSchema !== undefined) {
      const problem = checkSchema(body.generationConfig.responseSchema, "generation_config.response_schema");
      if (problem) return problem;
    }
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "Invalid value at 'tools'";
    for (const [index, tool] of body.tools.entries()) {
      const declarations = isRecord(tool) ? tool.functionDeclarations : undefined;
      if (!Array.isArray(declarations)) continue;
      for (const [declarationIndex, declaration] of declarations.entries()) {
        if (!isRecord(declaration) || typeof declaration.name !== "string") return `* GenerateContentRequest.tools[${index}].function_declarations[${declarationIndex}].name: Name cannot be empty.`;
        if (declaration.parameters !== undefined) {
          const problem = checkSchema(declaration.parameters, `tools[${index}].function_declarations[${declarationIndex}].parameters`);
          if (problem) return problem;
        }
      }
    }
  }
  return null;
}

/** The model and method of a `/models/{model}:{method}` path, or null. */
export function parseModelPath(path: string): { model: string; method: string } | null {
  const match = /\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
  return match ? { model: decodeURIComponent(match[1]!), method: match[2]! } : null;
}

export function geminiStreamFrames(lines: string[]): string[] {
  return lines.map((line) => `data: ${line}\r\n\r\n`);
}

export const geminiStreamErrorFrame = `data: ${JSON.stringify({ error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } })}\r\n\r\n`;

/** A deterministic vector for a text: what the fake answers for embeddings. */
export function fakeVector(text: string, dimensions = 8): number[] {
  const vector: number[] = [];
  for (let index = 0; index < dimensions; index++) vector.push(((text.charCodeAt(index % Math.max(1, text.length)) || 0) % 97) / 97 - 0.5);
  return vector;
}

const chatPath = /^\/v1beta\/models\/[^/:]+:(?:generateContent|streamGenerateContent)$/;
const embedPath = /^\/v1beta\/models\/[^/:]+:batchEmbedContents$/;

export function createGeminiDialect(options: GeminiUpstreamOptions = {}): FakeDialect {
  const apiKey = options.apiKey ?? "AIza-fake-gemini-key";
  return {
    isChatPath: (path) => chatPath.test(path),
    isOtherPath: (path) => embedPath.test(path),
    responseHeaders: () => ({ server: "scaffolding on HTTPServer2", vary: "Origin, X-Origin, Referer" }),
    checkRequest(request: RecordedRequest) {
      const presented = request.headers["x-goog-api-key"];
      if (presented === undefined) {
        return {
          status: 403,
          body: googleErrorBody(
            403,
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
          ),
        };
      }
      if (presented !== apiKey) {
        return {
          status: 400,
          body: googleErrorBody(400, "API key not valid. Please pass a valid API key.", [
            { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
          ]),
        };
      }
      const [pathname, query = ""] = request.path.split("?");
      const target = parseModelPath(pathname ?? "");
      if (target?.method === "streamGenerateContent" && new URLSearchParams(query).get("alt") !== "sse") {
        return invalid("This fake serves streamGenerateContent only with alt=sse.");
      }
      if (target !== null && target.method !== "batchEmbedContents") {
        const problem = checkGenerateContentBody(request.body, target.model);
        if (problem) return invalid(problem);
      }
      return null;
    },
    respond(request: RecordedRequest) {
      const target = parseModelPath(request.path.split("?")[0] ?? "");
      if (target?.method !== "batchEmbedContents") return null;
      const requests = isRecord(request.body) && Array.isArray(request.body.requests) ? request.body.requests : null;
      if (requests === null || requests.length === 0) return invalid("* BatchEmbedContentsRequest.requests: requests is not specified");
      if (requests.length > 100) return invalid("* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch");
      const embeddings: Array<{ values: number[] }> = [];
      for (const [index, item] of requests.entries()) {
        if (!isRecord(item) || item.model !== `models/${target.model}`) {
          return invalid(`* BatchEmbedContentsRequest.requests[${index}].model: model must be "models/${target.model}"`);
        }
        const parts = isRecord(item.content) && Array.isArray(item.content.parts) ? item.content.parts : [];
        const text = parts.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
        embeddings.push({ values: fakeVector(text, typeof item.outputDimensionality === "number" ? item.outputDimensionality : 8) });
      }
      return { status: 200, body: JSON.stringify({ embeddings }) };
    },
    checkHeaders: () => null,
    checkBody: () => null,
    errorBody: (status) => googleErrorBody(status),
    notFound: (path) => ({ status: 404, body: googleErrorBody(404, `models/${parseModelPath(path)?.model ?? path} is not found for API version v1beta.`) }),
    isStream: (_body, path) => path.endsWith(":streamGenerateContent"),
    pickFixture: (body) => (isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 ? "google-tool-call" : "google-text"),
    streamFrames: (lines) => geminiStreamFrames(lines),
    streamErrorFrame: () => geminiStreamErrorFrame,
  };
}

export function startGeminiUpstream(options: GeminiUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createGeminiDialect(options),
    basePath: "/v1beta",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
