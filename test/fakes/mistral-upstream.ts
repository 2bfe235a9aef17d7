/**
 * A fake Mistral upstream (La Plateforme) speaking the real wire format, fed by recorded
 * responses: `mistral-text` for plain requests, `mistral-tool-call` for requests with tools
 * (unless the last message is a tool result, answered with text).
 *
 * Serves `POST /v1/chat/completions` (streams framed `data: LINE\n\n`, then `data: [DONE]\n\n`)
 * and `POST /v1/embeddings` (vectors computed from the texts). It refuses what Mistral refuses,
 * so a converter that leaks OpenAI-only input is caught:
 * - a missing or wrong `Authorization: Bearer` key: 401 `{"message": "Unauthorized"}`;
 * - a field Mistral does not know: 422 with FastAPI details ("Extra inputs are not permitted");
 * - a tool-call id that is not nine letters and digits, or a tool result whose id matches no
 *   earlier tool call: 400.
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 * @see https://docs.mistral.ai/api/#tag/embeddings
 */
import { createHash, randomUUID } from "node:crypto";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface MistralUpstreamOptions {
  /** The key requests must carry as `Authorization: Bearer`. Default "mistral-fake-key". */
  apiKey?: string;
  /** Delay between stream events in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

// What Mistral accepts is written out here on purpose rather than imported from
// runtime/providers/mistral/mistral-api.ts: the converter filters requests with that list, so a
// field wrongly listed there would pass a fake that shares it. The same goes for the id pattern.
const chatFields = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "prompt_mode",
  "safe_prompt",
]);
const messageFields: Record<string, ReadonlySet<string>> = {
  system: new Set(["role", "content"]),
  user: new Set(["role", "content"]),
  assistant: new Set(["role", "content", "tool_calls", "prefix"]),
  tool: new Set(["role", "content", "tool_call_id", "name"]),
};
const embeddingFields = new Set(["model", "input", "output_dimension", "output_dtype", "encoding_format"]);
const toolCallIdPattern = /^[a-zA-Z0-9]{9}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorText(message: string, type: string, code: string | null = null): string {
  return JSON.stringify({ object: "error", message, type, param: null, code });
}

function unprocessable(type: string, loc: Array<string | number>, msg: string, input: unknown): DialectReply {
  return {
    status: 422,
    body: JSON.stringify({ object: "error", message: { detail: [{ type, loc: ["body", ...loc], msg, input }] }, type: "invalid_request_error", param: null, code: null }),
  };
}

function invalid(message: string): DialectReply {
  return { status: 400, body: errorText(message, "invalid_request_error") };
}

/** Mistral's error bodies by status. */
export function mistralErrorBody(status: number): string {
  switch (status) {
    case 400:
      return errorText("Invalid request sent by the fake upstream script.", "invalid_request_error");
    case 401:
      return JSON.stringify({ message: "Unauthorized", request_id: randomUUID().replaceAll("-", "") });
    case 404:
      return errorText("Invalid model: mistral-fake", "invalid_model", "1500");
    case 422:
      return unprocessable("missing", ["messages"], "Field required", {}).body;
    case 429:
      return JSON.stringify({ message: "Requests rate limit exceeded" });
    default:
      return status >= 500 ? errorText("Internal server error", "internal_server_error") : errorText(`Request failed with status ${status}.`, "invalid_request_error");
  }
}

function checkToolCallId(id: unknown): DialectReply | null {
  if (typeof id === "string" && toolCallIdPattern.test(id)) return null;
  return invalid(`Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
}

function checkMessages(messages: unknown[]): DialectReply | null {
  const calledIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== "string" || !(message.role in messageFields)) {
      return unprocessable("union_tag_invalid", ["messages", index], "Input tag does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'", message);
    }
    for (const key of Object.keys(message)) {
      if (!messageFields[message.role]!.has(key)) return unprocessable("extra_forbidden", ["messages", index, message.role, key], "Extra inputs are not permitted", message[key]);
    }
    if (message.role === "assistant" && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        const problem = checkToolCallId(isRecord(call) ? call.id : undefined);
        if (problem) return problem;
        calledIds.add((call as { id: string }).id);
      }
    }
    if (message.role === "tool") {
      const problem = checkToolCallId(message.tool_call_id);
      if (problem) return problem;
      if (!calledIds.has(message.tool_call_id as string)) return invalid(`Unexpected tool call id ${String(message.tool_call_id)} in tool results`);
    }
  }
  return null;
}

function checkChatBody(body: unknown): DialectReply | null {
  if (!isRecord(body)) return unprocessable("model_attributes_type", [], "Input should be a valid dictionary or object to extract fields from", body);
  for (const key of Object.keys(body)) {
    if (!chatFields.has(key)) return unprocessable("extra_forbidden", [key], "Extra inputs are not permitted", body[key]);
  }
  if (typeof body.model !== "string") return unprocessable("missing", ["model"], "Field required", body);
  if (!Array.isArray(body.messages) || body.messages.length === 0) return unprocessable("missing", ["messages"], "Field required", body);
  const choice = body.tool_choice;
  if (choice !== undefined && !["auto", "none", "any", "required"].includes(choice as string) && !isRecord(choice)) {
    return unprocessable("enum", ["tool_choice"], "Input should be 'auto', 'none', 'any' or 'required'", choice);
  }
  return checkMessages(body.messages);
}

function fakeVector(text: string): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: 5 }, (_, index) => Math.round(((digest[index]! - 128) / 128) * 1e6) / 1e6);
}

function answerEmbeddings(body: unknown): DialectReply {
  if (!isRecord(body)) return unprocessable("model_attributes_type", [], "Input should be a valid dictionary", body);
  for (const key of Object.keys(body)) {
    if (!embeddingFields.has(key)) return unprocessable("extra_forbidden", [key], "Extra inputs are not permitted", body[key]);
  }
  const input = body.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : null;
  if (texts === null) return unprocessable("string_type", ["input"], "Input should be a valid string", input);
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, text.split(/\s+/).filter((word) => word !== "").length), 0);
  return {
    status: 200,
    body: JSON.stringify({
      id: randomUUID().replaceAll("-", ""),
      object: "list",
      data: texts.map((text, index) => ({ object: "embedding", embedding: fakeVector(text), index })),
      model: typeof body.model === "string" ? body.model : "mistral-embed",
      usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 },
    }),
  };
}

function lastMessageIsToolResult(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  return isRecord(last) && last.role === "tool";
}

export function createMistralDialect(options: MistralUpstreamOptions = {}): FakeDialect {
  const apiKey = options.apiKey ?? "mistral-fake-key";
  return {
    isChatPath: (path) => path === "/v1/chat/completions" || path === "/v1/embeddings",
    responseHeaders: () => ({ "mistral-correlation-id": randomUUID(), "x-kong-request-id": randomUUID() }),
    checkRequest(request) {
      if (request.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: mistralErrorBody(401) };
      return null;
    },
    respond(request) {
      return (request.path.split("?")[0] ?? request.path) === "/v1/embeddings" ? answerEmbeddings(request.body) : null;
    },
    checkHeaders: () => null,
    checkBody: (body) => checkChatBody(body),
    errorBody: mistralErrorBody,
    notFound: () => ({ status: 404, body: JSON.stringify({ detail: "Not Found" }) }),
    isStream: (body) => isRecord(body) && body.stream === true,
    pickFixture: (body) =>
      isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 && !lastMessageIsToolResult(body) ? "mistral-tool-call" : "mistral-text",
    streamFrames: (lines) => [...lines.map((line) => `data: ${line}\n\n`), "data: [DONE]\n\n"],
    streamErrorFrame: () => `data: ${errorText("Internal server error", "internal_server_error")}\n\n`,
  };
}

export function startMistralUpstream(options: MistralUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createMistralDialect(options),
    basePath: "/v1",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
