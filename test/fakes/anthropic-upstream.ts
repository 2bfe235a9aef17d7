/**
 * A fake Anthropic Messages upstream speaking the real wire format, fed by recorded responses:
 * `anthropic-text` for plain requests, `anthropic-json-tool.1` (a tool call whose arguments
 * arrive in several `input_json_delta`s) for requests with `tools`.
 *
 * Serves `POST /v1/messages` and `POST /messages`, so a deployment baseUrl of either `url`
 * (adapter appends `/v1/messages`) or `url + "/v1"` (adapter appends `/messages`) works;
 * `baseUrl` is `url`, like Anthropic's https://api.anthropic.com.
 * Streams are framed `event: TYPE\ndata: LINE\n\n`. Headers are checked as Anthropic does:
 * a wrong or missing key (in `x-api-key`, or `Authorization: Bearer` as the current official SDK
 * sends it) is a 401 `authentication_error`, a missing `anthropic-version`
 * is a 400 `invalid_request_error`.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/errors
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import { randomBytes } from "node:crypto";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface AnthropicUpstreamOptions {
  /** The key requests must carry in `x-api-key` or as `Authorization: Bearer`. Default "sk-ant-fake". */
  apiKey?: string;
  /** Fixture for requests without tools. Default "anthropic-text". */
  textFixture?: string;
  /** Fixture for requests with tools. Default "anthropic-json-tool.1". */
  toolFixture?: string;
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

/** Anthropic's error `type` for each HTTP status. */
const errorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const errorMessages: Record<string, string> = {
  invalid_request_error: "Invalid request sent by the fake upstream script.",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "The requested resource could not be found.",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit.",
  api_error: "Internal server error",
  timeout_error: "Request timed out.",
  overloaded_error: "Overloaded",
};

function requestId(): string {
  return `req_011C${randomBytes(12).toString("base64url")}`;
}

function errorText(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: requestId() });
}

/** Anthropic's error body for `status`. */
export function anthropicErrorBody(status: number): string {
  const type = errorTypes[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return errorText(type, errorMessages[type] ?? `Request failed with status ${status}.`);
}

function invalid(message: string): DialectReply {
  return { status: 400, body: errorText("invalid_request_error", message) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTextBlock(value: unknown): boolean {
  return isRecord(value) && value.type === "text" && typeof value.text === "string";
}

/** The request checks Anthropic performs that a converter can get wrong. */
function checkMessagesBody(body: unknown): DialectReply | null {
  if (!isRecord(body)) return invalid("There was an issue with your request body: the body must be a JSON object.");
  if (typeof body.model !== "string") return invalid("model: Field required");
  if (body.max_tokens === undefined) return invalid("max_tokens: Field required");
  if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    return invalid("max_tokens: Input should be a valid integer greater than or equal to 1");
  }
  if (!Array.isArray(body.messages)) return invalid("messages: Field required");
  if (body.messages.length === 0) return invalid("messages: at least one message is required");
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message)) return invalid(`messages.${index}: Input should be a valid dictionary`);
    if (message.role !== "user" && message.role !== "assistant") {
      return invalid(
        `messages.${index}.role: Input should be 'user' or 'assistant'` +
          (message.role === "system" ? ` (use the top-level "system" parameter for system prompts)` : ""),
      );
    }
    if (typeof message.content !== "string" && !Array.isArray(message.content)) {
      return invalid(`messages.${index}.content: Input should be a valid string or list`);
    }
    if (Array.isArray(message.content)) {
      for (const [blockIndex, block] of message.content.entries()) {
        if (!isRecord(block) || typeof block.type !== "string") return invalid(`messages.${index}.content.${blockIndex}.type: Field required`);
      }
    }
  }
  if (body.system !== undefined && typeof body.system !== "string" && !(Array.isArray(body.system) && body.system.every(isTextBlock))) {
    return invalid("system: Input should be a valid string or a list of text blocks");
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return invalid("tools: Input should be a valid list");
    for (const [index, tool] of body.tools.entries()) {
      if (!isRecord(tool) || typeof tool.name !== "string") return invalid(`tools.${index}.name: Field required`);
      if (tool.type === undefined || tool.type === "custom") {
        if (!isRecord(tool.input_schema)) return invalid(`tools.${index}.custom.input_schema: Field required`);
      }
    }
  }
  for (const openAIOnly of ["n", "presence_penalty", "frequency_penalty", "logprobs", "response_format", "stream_options", "max_completion_tokens"]) {
    if (body[openAIOnly] !== undefined) return invalid(`${openAIOnly}: Extra inputs are not permitted`);
  }
  return null;
}

export function createAnthropicDialect(options: AnthropicUpstreamOptions = {}): FakeDialect {
  const apiKey = options.apiKey ?? "sk-ant-fake";
  const textFixture = options.textFixture ?? "anthropic-text";
  const toolFixture = options.toolFixture ?? "anthropic-json-tool.1";
  return {
    isChatPath: (path) => path === "/v1/messages" || path === "/messages",
    responseHeaders: () => ({ "request-id": requestId(), "anthropic-organization-id": "00000000-0000-0000-0000-000000000000" }),
    checkHeaders(headers) {
      const presented = headers["x-api-key"] ?? headers.authorization?.replace(/^Bearer /, "");
      if (presented !== apiKey) return { status: 401, body: errorText("authentication_error", "invalid x-api-key") };
      if (headers["anthropic-version"] === undefined) return invalid("anthropic-version: header is required");
      return null;
    },
    checkBody: (body) => checkMessagesBody(body),
    errorBody: anthropicErrorBody,
    notFound: () => ({ status: 404, body: errorText("not_found_error", "Not Found") }),
    isStream: (body) => isRecord(body) && body.stream === true,
    pickFixture: (body) => (isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 ? toolFixture : textFixture),
    streamFrames(lines) {
      return lines.map((line) => {
        const type = (JSON.parse(line) as { type: string }).type;
        return `event: ${type}\ndata: ${line}\n\n`;
      });
    },
    streamErrorFrame: () => `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`,
  };
}

export function startAnthropicUpstream(options: AnthropicUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createAnthropicDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
