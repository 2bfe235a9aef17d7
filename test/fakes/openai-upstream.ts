/**
 * A fake OpenAI Chat Completions upstream speaking the real wire format, fed by recorded
 * responses: `openai-text` for plain requests, an OpenAI-compatible tool-call recording
 * (`xai-tool-call` by default) for requests with `tools`.
 *
 * Also OpenAI's Responses API, `POST <basePath>/responses`, from recorded Responses: the
 * `openai-web-search-tool.1` answer for a request with a `web_search` tool, else
 * `issue-20047-openai-responses` (its stream too, framed `event: TYPE\ndata: LINE\n\n`, no
 * `[DONE]`, as OpenAI sends them). Each answer's ids (the response's and its items') get a fresh
 * suffix, as OpenAI names every response anew; an in-stream failure is Responses' `error` event.
 *
 * Serves `POST <basePath>/chat/completions` (basePath "/v1" by default). Streams are framed
 * `data: LINE\n\n` ... `data: [DONE]\n\n`; the final usage chunk is sent only when the request
 * asked for it with `stream_options.include_usage`, as OpenAI does.
 *
 * Also serves `POST <basePath>/embeddings` from the recorded `openai-embedding` response: one
 * embedding per input (the recorded vectors in turn), the recorded tokens per input, floats or,
 * for `encoding_format: "base64"`, base64 of little-endian float32s as OpenAI sends them.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://platform.openai.com/docs/guides/error-codes
 */
import { randomUUID } from "node:crypto";
import { readFixture, startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface OpenAIUpstreamOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401 invalid_api_key). */
  apiKey?: string;
  /** Path prefix of the API root; the deployment's baseUrl is `url + basePath`. Default "/v1". */
  basePath?: string;
  /** Fixture for requests without tools. Default "openai-text". */
  textFixture?: string;
  /** Fixture for requests with tools. Default "xai-tool-call". */
  toolFixture?: string;
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

function errorText(error: OpenAIErrorObject): string {
  return JSON.stringify({ error }, null, 2);
}

/** OpenAI's error bodies by status, worded as OpenAI words them (no key is echoed). */
export function openAIErrorBody(status: number): string {
  switch (status) {
    case 400:
      return errorText({ message: "Invalid request sent by the fake upstream script.", type: "invalid_request_error", param: null, code: null });
    case 401:
      return errorText({ message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" });
    case 403:
      return errorText({ message: "Country, region, or territory not supported", type: "request_forbidden", param: null, code: "unsupported_country_region_territory" });
    case 404:
      return errorText({ message: "The model `gpt-fake` does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" });
    case 429:
      return errorText({
        message: "Rate limit reached for gpt-4.1-nano in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      });
    case 503:
      return errorText({ message: "The engine is currently overloaded, please try again later.", type: "server_error", param: null, code: null });
    default:
      return status >= 500
        ? errorText({ message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null })
        : errorText({ message: `Request failed with status ${status}.`, type: "invalid_request_error", param: null, code: null });
  }
}

function invalid(message: string, param: string | null, code: string | null = null): DialectReply {
  return { status: 400, body: errorText({ message, type: "invalid_request_error", param, code }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A line of a chunks fixture is OpenAI's trailing usage chunk: no choices, usage set. */
function isUsageOnlyChunk(line: string): boolean {
  const parsed = JSON.parse(line) as { choices?: unknown[]; usage?: unknown };
  return Array.isArray(parsed.choices) && parsed.choices.length === 0 && parsed.usage != null;
}

interface RecordedEmbeddings {
  data: Array<{ embedding: number[] }>;
  usage: { prompt_tokens: number };
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item) && (item as number) >= 0);
}

/** The inputs of an embeddings body, counted; or OpenAI's 400 for one it rejects. */
function countEmbeddingInputs(input: unknown): number | DialectReply {
  if (input === undefined) return invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  if (typeof input === "string" && input !== "") return 1;
  if (isTokenArray(input)) return 1;
  if (Array.isArray(input) && input.length > 0 && input.every((item) => (typeof item === "string" && item !== "") || isTokenArray(item))) return input.length;
  return invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", null);
}

/** An embeddings answer built from the recorded response (see the module comment). */
export function answerEmbeddings(body: unknown): DialectReply {
  if (!isRecord(body)) return invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", null);
  if (typeof body.model !== "string") return invalid("you must provide a model parameter", null);
  const count = countEmbeddingInputs(body.input);
  if (typeof count !== "number") return count;
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return invalid(`Invalid value for 'encoding_format': '${String(format)}'. Supported values are: 'float' and 'base64'.`, "encoding_format", "invalid_value");
  }
  const recorded = JSON.parse(readFixture("openai-embedding.json")) as RecordedEmbeddings;
  const tokensPerInput = Math.round(recorded.usage.prompt_tokens / recorded.data.length);
  const data = Array.from({ length: count }, (_, index) => {
    const values = recorded.data[index % recorded.data.length]!.embedding;
    const embedding = format === "base64" ? Buffer.from(new Float32Array(values).buffer).toString("base64") : values;
    return { object: "embedding", index, embedding };
  });
  const tokens = tokensPerInput * count;
  return { status: 200, body: JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }) };
}

/** A Responses API request (`input`), not a chat one. */
function isResponsesBody(body: unknown): boolean {
  return isRecord(body) && body.input !== undefined && body.messages === undefined;
}

/** The ids of a recorded answer ("resp_…", "msg_…", "ws_…", "rs_…", "fc_…") with `suffix` appended: one fresh response per answer. */
function freshIds(text: string, suffix: string): string {
  return text.replace(/"((?:resp|msg|ws|rs|fc)_[A-Za-z0-9_]+)"/g, (_, id: string) => `"${id}${suffix}"`);
}

function freshSuffix(): string {
  return randomUUID().replaceAll("-", "").slice(0, 12);
}

/** OpenAI's 400s for a Responses body it refuses (only what gw could get wrong). */
function checkResponsesBody(body: Record<string, unknown>): DialectReply | null {
  if (typeof body.model !== "string") return invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter");
  if (typeof body.input !== "string" && !Array.isArray(body.input)) return invalid("Invalid type for 'input': expected a string or an array of input items.", "input", "invalid_type");
  for (const field of ["messages", "mock_response", "num_retries", "fallbacks"]) {
    if (body[field] !== undefined) return invalid(`Unknown parameter: '${field}'.`, field, "unknown_parameter");
  }
  if (body.stream_options != null && body.stream !== true) return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", null);
  return null;
}

export function createOpenAIDialect(options: OpenAIUpstreamOptions = {}): FakeDialect {
  const basePath = options.basePath ?? "/v1";
  const responsesPath = `${basePath}/responses`;
  const textFixture = options.textFixture ?? "openai-text";
  const toolFixture = options.toolFixture ?? "xai-tool-call";
  const embeddingsPath = `${basePath}/embeddings`;
  const dialect: FakeDialect = {
    isChatPath: (path) => path === `${basePath}/chat/completions` || path === responsesPath,
    isOtherPath: (path) => path === embeddingsPath,
    respond(request) {
      if ((request.path.split("?")[0] ?? request.path) !== embeddingsPath) return null;
      return dialect.checkHeaders(request.headers) ?? answerEmbeddings(request.body);
    },
    responseHeaders: () => ({ "x-request-id": `req_${randomUUID().replaceAll("-", "")}`, "openai-processing-ms": "1" }),
    checkHeaders(headers) {
      if (options.apiKey === undefined) return null;
      const authorization = headers["authorization"];
      if (authorization === undefined) {
        return {
          status: 401,
          body: errorText({
            message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            type: "invalid_request_error",
            param: null,
            code: null,
          }),
        };
      }
      if (authorization !== `Bearer ${options.apiKey}`) return { status: 401, body: openAIErrorBody(401) };
      return null;
    },
    checkBody(body) {
      if (!isRecord(body)) {
        return invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", null);
      }
      if (isResponsesBody(body)) return checkResponsesBody(body as Record<string, unknown>);
      if (typeof body.model !== "string") return invalid("you must provide a model parameter", null);
      if (!Array.isArray(body.messages)) return invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
      if (body.messages.length === 0) return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
      for (const [index, message] of body.messages.entries()) {
        if (!isRecord(message) || typeof message.role !== "string") {
          return invalid(`Missing required parameter: 'messages[${index}].role'.`, `messages[${index}].role`, "missing_required_parameter");
        }
      }
      if (body.stream_options != null && body.stream !== true) {
        return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", null);
      }
      return null;
    },
    errorBody: openAIErrorBody,
    notFound: (path) => ({ status: 404, body: errorText({ message: `Invalid URL (POST ${path})`, type: "invalid_request_error", param: null, code: null }) }),
    isStream: (body) => isRecord(body) && body.stream === true,
    pickFixture(body, path) {
      const tools = isRecord(body) && Array.isArray(body.tools) ? body.tools : [];
      if (path === responsesPath) {
        const webSearch = tools.some((tool) => isRecord(tool) && tool.type === "web_search") && isRecord(body) && body.stream !== true;
        return webSearch ? "openai-web-search-tool.1" : "issue-20047-openai-responses";
      }
      return tools.length > 0 ? toolFixture : textFixture;
    },
    fixtureBody: (text, body) => (isResponsesBody(body) ? freshIds(text, freshSuffix()) : text),
    streamFrames(lines, body) {
      if (isResponsesBody(body)) {
        const suffix = freshSuffix();
        return lines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${freshIds(line, suffix)}\n\n`);
      }
      const streamOptions = isRecord(body) && isRecord(body.stream_options) ? body.stream_options : {};
      const includeUsage = streamOptions.include_usage === true;
      const kept = includeUsage ? lines : lines.filter((line) => !isUsageOnlyChunk(line));
      return [...kept.map((line) => `data: ${line}\n\n`), "data: [DONE]\n\n"];
    },
    streamErrorFrame: (body) =>
      isResponsesBody(body)
        ? `event: error\ndata: ${JSON.stringify({ type: "error", code: "server_error", message: "The server had an error while processing your request. Sorry about that!", param: null, sequence_number: 99 })}\n\n`
        : `data: ${JSON.stringify({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } })}\n\n`,
  };
  return dialect;
}

export function startOpenAIUpstream(options: OpenAIUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createOpenAIDialect(options),
    basePath: options.basePath ?? "/v1",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
