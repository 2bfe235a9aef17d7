/**
 * Client-side helpers for end-to-end tests: the official `openai` SDK pointed at a running gw,
 * a raw HTTP helper for what the SDK hides (bad JSON, missing headers, raw SSE), and stream
 * reassembly the way an application does it.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

export interface GatewayAddress {
  readonly url: string;
  readonly baseURL: string;
}

/** The official SDK, with its own retries off so every attempt seen upstream is gw's. */
export function createClient(gateway: GatewayAddress, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: gateway.baseURL, apiKey, maxRetries: 0, timeout: 20_000 });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * POST `path` (default the chat endpoint) with `body` (serialized unless a string) and read
 * the whole answer; resolves only once the server has closed the response cleanly.
 */
export async function postRaw(
  gateway: GatewayAddress,
  body: unknown,
  options: { apiKey?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  const response = await fetch(`${gateway.url}${options.path ?? "/v1/chat/completions"}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return readRaw(response);
}

export async function getRaw(gateway: GatewayAddress, path: string, apiKey?: string): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  return readRaw(await fetch(`${gateway.url}${path}`, { headers }));
}

async function readRaw(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The `data:` payloads of an SSE body, in order (multi-line data joined with "\n"). */
export function parseSseData(text: string): string[] {
  const payloads: string[] = [];
  for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    const lines = block.split("\n").filter((line) => line.startsWith("data:"));
    if (lines.length === 0) continue;
    payloads.push(lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n"));
  }
  return payloads;
}

export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Rebuilds tool calls from stream deltas by `index`, as OpenAI's own helpers do. */
export function assembleToolCalls(chunks: ChatCompletionChunk[]): AssembledToolCall[] {
  const calls: AssembledToolCall[] = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: "", name: "", arguments: "" });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name += delta.function.name;
        if (delta.function?.arguments) call.arguments += delta.function.arguments;
      }
    }
  }
  return calls;
}

/** The text content of a stream. */
export function assembleContent(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices.map((choice) => choice.delta.content ?? "").join("")).join("");
}

/** The finish_reason the stream ended with (the last non-null one). */
export function finalFinishReason(chunks: ChatCompletionChunk[]): string | null {
  let reason: string | null = null;
  for (const chunk of chunks) for (const choice of chunk.choices) if (choice.finish_reason) reason = choice.finish_reason;
  return reason;
}

/** Drains an SDK stream, returning its chunks. */
export async function collectStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
