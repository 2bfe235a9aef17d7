/**
 * A fake Cohere v2 upstream speaking the real wire format, fed by recorded responses:
 * `cohere-text` for plain requests, `cohere-tool-call` for requests with tools (unless the last
 * message is a tool result, which is answered with text).
 *
 * Serves `POST /v2/chat` (streams framed `event: TYPE\ndata: LINE\n\n`, ending after
 * `message-end`) and `POST /v2/embed` (vectors computed from the texts). Requests must carry
 * `Authorization: Bearer <key>` (else 401 `{"message": "invalid api token"}`); fields Cohere does
 * not know are refused with a 400, as Cohere does, so OpenAI-only parameters leaking through a
 * converter are caught.
 * @see https://docs.cohere.com/reference/chat
 * @see https://docs.cohere.com/reference/embed
 * @see https://docs.cohere.com/reference/errors
 */
import { createHash, randomUUID } from "node:crypto";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface CohereUpstreamOptions {
  /** The key requests must carry as `Authorization: Bearer`. Default "co-fake-key". */
  apiKey?: string;
  /** Fixture for requests without tools. Default "cohere-text". */
  textFixture?: string;
  /** Fixture for requests with tools. Default "cohere-tool-call". */
  toolFixture?: string;
  chunkDelayMs?: number;
}

const errorMessages: Record<number, string> = {
  400: "invalid request: the request was rejected by the fake upstream script",
  401: "invalid api token",
  402: "Please add or update your payment method at https://dashboard.cohere.com/billing?tab=payment to continue",
  404: "model 'command-fake' not found, make sure the correct model ID was used and that you have access to the model.",
  422: "invalid request: the request could not be processed",
  429: "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'.",
  498: "invalid api token",
  500: "internal server error, this has been reported to our developers.",
  503: "service unavailable",
};

function errorText(message: string): string {
  return JSON.stringify({ id: randomUUID(), message });
}

export function cohereErrorBody(status: number): string {
  return errorText(errorMessages[status] ?? (status >= 500 ? errorMessages[500]! : `Request failed with status ${status}.`));
}

function invalid(message: string): DialectReply {
  return { status: 400, body: errorText(`invalid request: ${message}`) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const chatFields = new Set([
  "model",
  "messages",
  "stream",
  "tools",
  "strict_tools",
  "documents",
  "citation_options",
  "response_format",
  "safety_mode",
  "max_tokens",
  "stop_sequences",
  "temperature",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "k",
  "p",
  "logprobs",
  "tool_choice",
  "thinking",
  "priority",
]);
const roles = new Set(["system", "user", "assistant", "tool"]);

/** The request checks Cohere performs that a converter can get wrong. */
function checkChatBody(body: unknown): DialectReply | null {
  if (!isRecord(body)) return invalid("the body must be a JSON object");
  for (const key of Object.keys(body)) {
    if (!chatFields.has(key)) return invalid(`unknown field: parameter ${key} is not a valid field`);
  }
  if (typeof body.model !== "string") return invalid("model must be specified");
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("messages must not be empty");
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || !roles.has(String(message.role))) return invalid(`messages[${index}].role must be one of system, user, assistant, tool`);
    if (message.role === "tool" && typeof message.tool_call_id !== "string") return invalid(`messages[${index}]: tool messages need a tool_call_id`);
    if (message.role === "assistant" && message.content === undefined && message.tool_calls === undefined) {
      return invalid(`messages[${index}]: assistant messages need content or tool_calls`);
    }
  }
  if (body.tool_choice !== undefined && body.tool_choice !== "REQUIRED" && body.tool_choice !== "NONE") {
    return invalid(`tool_choice must be one of REQUIRED, NONE; received ${JSON.stringify(body.tool_choice)}`);
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return invalid("tools must be a list");
    for (const [index, tool] of body.tools.entries()) {
      if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
        return invalid(`tools[${index}] must be a function tool with a name`);
      }
    }
  }
  if (body.response_format !== undefined && body.tools !== undefined) return invalid("response_format is not supported with tools");
  return null;
}

function fakeVector(text: string, dimensions: number): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: dimensions }, (_, index) => Math.round(((digest[index % digest.length]! - 128) / 128) * 1e6) / 1e6);
}

function answerEmbed(body: unknown): DialectReply {
  if (!isRecord(body)) return invalid("the body must be a JSON object");
  if (typeof body.model !== "string") return invalid("model must be specified");
  if (!Array.isArray(body.texts) || body.texts.length === 0 || !body.texts.every((text) => typeof text === "string")) return invalid("texts must be a non-empty list of strings");
  if (body.texts.length > 96) return invalid(`too many texts: ${body.texts.length}, the maximum is 96`);
  if (typeof body.input_type !== "string") return invalid("input_type is required for embed models v3 and higher");
  if (!Array.isArray(body.embedding_types) || !body.embedding_types.includes("float")) return invalid("embedding_types is required");
  const texts = body.texts as string[];
  const dimensions = typeof body.output_dimension === "number" ? body.output_dimension : 5;
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, text.split(/\s+/).filter((word) => word !== "").length), 0);
  return {
    status: 200,
    body: JSON.stringify({
      id: randomUUID(),
      texts,
      embeddings: { float: texts.map((text) => fakeVector(text, dimensions)) },
      meta: { api_version: { version: "2" }, billed_units: { input_tokens: tokens } },
      response_type: "embeddings_by_type",
    }),
  };
}

function lastMessageIsToolResult(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  return isRecord(last) && last.role === "tool";
}

export function createCohereDialect(options: CohereUpstreamOptions = {}): FakeDialect {
  const apiKey = options.apiKey ?? "co-fake-key";
  const textFixture = options.textFixture ?? "cohere-text";
  const toolFixture = options.toolFixture ?? "cohere-tool-call";
  return {
    isChatPath: (path) => path === "/v2/chat",
    isOtherPath: (path) => path === "/v2/embed",
    responseHeaders: () => ({ "x-trace-id": randomUUID(), "x-api-warning": "none" }),
    checkRequest(request) {
      if (request.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: errorText("invalid api token") };
      return null;
    },
    respond(request) {
      return (request.path.split("?")[0] ?? request.path) === "/v2/embed" ? answerEmbed(request.body) : null;
    },
    checkHeaders: () => null,
    checkBody: (body) => checkChatBody(body),
    errorBody: cohereErrorBody,
    notFound: (path) => ({ status: 404, body: errorText(`route not found: POST ${path}`) }),
    isStream: (body) => isRecord(body) && body.stream === true,
    pickFixture: (body) => (isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 && !lastMessageIsToolResult(body) ? toolFixture : textFixture),
    streamFrames: (lines) =>
      lines.map((line) => {
        const type = (JSON.parse(line) as { type: string }).type;
        return `event: ${type}\ndata: ${line}\n\n`;
      }),
    streamErrorFrame: () =>
      `event: message-end\ndata: ${JSON.stringify({ type: "message-end", delta: { finish_reason: "ERROR", error: "internal server error, this has been reported to our developers." } })}\n\n`,
  };
}

export function startCohereUpstream(options: CohereUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createCohereDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
