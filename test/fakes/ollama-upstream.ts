/**
 * A fake Ollama server speaking its native API. There are no recorded Ollama responses: the
 * answers (`ollama-text`, `ollama-tool-call` for requests with tools) are built from the
 * examples of Ollama's API reference, see runtime/providers/ollama/__fixtures__/README.md.
 *
 * Serves `POST /api/chat` and `POST /api/embed`. Like Ollama:
 * - `/api/chat` streams unless the body says `"stream": false`, as NDJSON
 *   (`application/x-ndjson`, one JSON object per line, the last with `"done": true`);
 * - a model that was not pulled is a 404 `{"error": "model \"x\" not found, try pulling it first"}`;
 * - bodies Ollama's Go decoder cannot read are a 400 `{"error": "json: cannot unmarshal ..."}`:
 *   `content` must be a string, `images` base64 strings, tool-call `arguments` an object;
 * - an unknown path is a plain-text "404 page not found".
 * A key is checked only when one is configured (Ollama behind a proxy, or ollama.com).
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import { createHash } from "node:crypto";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface OllamaUpstreamOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Models that were pulled. Default ["llama3.2", "all-minilm"]. */
  models?: string[];
  /** Delay between stream lines in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

const roles = new Set(["system", "user", "assistant", "tool"]);
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorReply(status: number, error: string): DialectReply {
  return { status, body: JSON.stringify({ error }) };
}

/** Ollama's error bodies by status. */
export function ollamaErrorBody(status: number): string {
  switch (status) {
    case 400:
      return JSON.stringify({ error: "invalid request sent by the fake upstream script" });
    case 401:
      return JSON.stringify({ error: "unauthorized" });
    case 404:
      return JSON.stringify({ error: 'model "llama-fake" not found, try pulling it first' });
    case 503:
      return JSON.stringify({ error: "server busy, please try again.  maximum pending requests exceeded" });
    default:
      return JSON.stringify({ error: status >= 500 ? "llama runner process has terminated: exit status 2" : `request failed with status ${status}` });
  }
}

function checkModel(body: Record<string, unknown>, models: ReadonlySet<string>): DialectReply | null {
  if (typeof body.model !== "string" || body.model === "") return errorReply(400, "model is required");
  const name = body.model.includes(":") ? body.model : `${body.model}:latest`;
  if (!models.has(body.model) && !models.has(name)) return errorReply(404, `model "${body.model}" not found, try pulling it first`);
  return null;
}

function checkChatBody(body: unknown, models: ReadonlySet<string>): DialectReply | null {
  if (!isRecord(body)) return errorReply(400, "invalid character 'x' looking for beginning of value");
  const modelProblem = checkModel(body, models);
  if (modelProblem) return modelProblem;
  if (body.messages !== undefined && !Array.isArray(body.messages)) return errorReply(400, "json: cannot unmarshal object into Go struct field ChatRequest.messages of type []api.Message");
  for (const message of (body.messages ?? []) as unknown[]) {
    if (!isRecord(message) || typeof message.role !== "string") return errorReply(400, "json: cannot unmarshal into Go struct field ChatRequest.messages of type api.Message");
    if (!roles.has(message.role)) return errorReply(400, `invalid role: ${message.role}, role must be one of [system, user, assistant, tool]`);
    if (message.content !== undefined && typeof message.content !== "string") {
      return errorReply(400, "json: cannot unmarshal array into Go struct field Message.messages.content of type string");
    }
    if (message.images !== undefined && !(Array.isArray(message.images) && message.images.every((image) => typeof image === "string" && base64Pattern.test(image)))) {
      return errorReply(400, "illegal base64 data at input byte 4");
    }
    if (message.tool_calls !== undefined) {
      if (!Array.isArray(message.tool_calls)) return errorReply(400, "json: cannot unmarshal object into Go struct field Message.messages.tool_calls of type []api.ToolCall");
      for (const call of message.tool_calls) {
        if (!isRecord(call) || !isRecord(call.function) || !isRecord(call.function.arguments)) {
          return errorReply(400, "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments");
        }
      }
    }
  }
  if (body.options !== undefined && !isRecord(body.options)) return errorReply(400, "json: cannot unmarshal into Go struct field ChatRequest.options of type map[string]interface {}");
  if (body.format !== undefined && body.format !== "json" && body.format !== "" && !isRecord(body.format)) return errorReply(400, "invalid format: expected \"json\" or a valid JSON schema");
  if (body.stream !== undefined && typeof body.stream !== "boolean") return errorReply(400, "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool");
  return null;
}

function fakeVector(text: string): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: 5 }, (_, index) => Math.round(((digest[index]! - 128) / 128) * 1e6) / 1e6);
}

function answerEmbed(body: unknown, models: ReadonlySet<string>): DialectReply {
  if (!isRecord(body)) return errorReply(400, "invalid character 'x' looking for beginning of value");
  const modelProblem = checkModel(body, models);
  if (modelProblem) return modelProblem;
  const input = body.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((item) => typeof item === "string") ? (input as string[]) : null;
  if (texts === null) return errorReply(400, "invalid input type");
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, text.split(/\s+/).filter((word) => word !== "").length), 0);
  return {
    status: 200,
    body: JSON.stringify({ model: body.model, embeddings: texts.map(fakeVector), total_duration: 14143917, load_duration: 1019500, prompt_eval_count: tokens }),
  };
}

function lastMessageIsToolResult(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  return isRecord(last) && last.role === "tool";
}

export function createOllamaDialect(options: OllamaUpstreamOptions = {}): FakeDialect {
  const models = new Set(options.models ?? ["llama3.2", "all-minilm"]);
  return {
    isChatPath: (path) => path === "/api/chat" || path === "/api/embed",
    responseHeaders: () => ({}),
    checkRequest(request) {
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) return errorReply(401, "unauthorized");
      return null;
    },
    respond(request) {
      return (request.path.split("?")[0] ?? request.path) === "/api/embed" ? answerEmbed(request.body, models) : null;
    },
    checkHeaders: () => null,
    checkBody: (body) => checkChatBody(body, models),
    errorBody: ollamaErrorBody,
    notFound: () => ({ status: 404, headers: { "content-type": "text/plain" }, body: "404 page not found" }),
    // Ollama streams unless told not to.
    isStream: (body) => !(isRecord(body) && body.stream === false),
    pickFixture: (body) => (isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0 && !lastMessageIsToolResult(body) ? "ollama-tool-call" : "ollama-text"),
    streamContentType: "application/x-ndjson",
    streamFrames: (lines) => lines.map((line) => `${line}\n`),
    streamErrorFrame: () => `${JSON.stringify({ error: "llama runner process has terminated: signal: killed" })}\n`,
  };
}

export function startOllamaUpstream(options: OllamaUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createOllamaDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
