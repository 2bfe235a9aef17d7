/**
 * Every recorded provider answer (the `__fixtures__` folders, from ../shared/fixtures) as gw's own
 * converters make it: a whole answer through the adapter's convertResponse, a stream re-framed as
 * the provider sends it (fixtures README) and decoded by the runtime's decoder for the adapter's
 * stream format, then pushed through its stream converter. For tests of what each dialect at the
 * edge makes of every provider's real answers.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../runtime/http/openai-types.ts";
import { anthropic } from "../../runtime/providers/anthropic/index.ts";
import { bedrock } from "../../runtime/providers/bedrock/index.ts";
import { cohere } from "../../runtime/providers/cohere/index.ts";
import { gemini } from "../../runtime/providers/gemini/index.ts";
import { mistral } from "../../runtime/providers/mistral/index.ts";
import { ollama } from "../../runtime/providers/ollama/index.ts";
import { openai } from "../../runtime/providers/openai/index.ts";
import type { ConvertedResponse, ProviderAdapter, ProviderContext } from "../../runtime/providers/types.ts";
import { byteStream } from "../../runtime/upstream/stream/byte-stream.ts";
import { encodeAwsEvent } from "../../runtime/upstream/stream/decode-aws-eventstream.ts";
import { decodeStream } from "../../runtime/upstream/stream/decode-stream.ts";

export interface RecordedProvider {
  /** The adapter folder under runtime/providers/ that holds the recordings. */
  folder: string;
  adapter: ProviderAdapter;
  /** A recorded stream's lines framed as this provider sends them. */
  frame(lines: string[]): Uint8Array[];
}

const encoder = new TextEncoder();
const eventNamed = (line: string): string => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`;
const text = (value: string): Uint8Array[] => [encoder.encode(value)];

export const recordedProviders: readonly RecordedProvider[] = [
  { folder: "openai", adapter: openai, frame: (lines) => text(lines.map((line) => `data: ${line}\n\n`).join("") + "data: [DONE]\n\n") },
  { folder: "mistral", adapter: mistral, frame: (lines) => text(lines.map((line) => `data: ${line}\n\n`).join("") + "data: [DONE]\n\n") },
  { folder: "anthropic", adapter: anthropic, frame: (lines) => text(lines.map(eventNamed).join("")) },
  { folder: "cohere", adapter: cohere, frame: (lines) => text(lines.map(eventNamed).join("")) },
  { folder: "gemini", adapter: gemini, frame: (lines) => text(lines.map((line) => `data: ${line}\r\n\r\n`).join("")) },
  { folder: "ollama", adapter: ollama, frame: (lines) => text(lines.map((line) => `${line}\n`).join("")) },
  {
    folder: "bedrock",
    adapter: bedrock,
    frame: (lines) =>
      lines.map((line) => {
        const [type, payload] = Object.entries(JSON.parse(line) as Record<string, unknown>)[0]!;
        return encodeAwsEvent(type, payload);
      }),
  },
];

export interface Recording {
  provider: RecordedProvider;
  /** The file name without .json / .chunks.txt. */
  name: string;
  kind: "whole" | "stream";
}

/** Whether a recording is a chat answer (not an embedding, an error, a refusal of a request, or a Responses API answer, which the native Responses adapter reads). */
function isAnswer(name: string, body: unknown): boolean {
  if (/embed|error|retry-info|not-found/.test(name)) return false;
  const record = body as { error?: unknown; type?: unknown; object?: unknown };
  return record.error === undefined && record.type !== "error" && record.object !== "response" && !(typeof record.type === "string" && record.type.startsWith("response."));
}

function fixtureUrl(folder: string, file: string): URL {
  return new URL(`../../runtime/providers/${folder}/__fixtures__/${file}`, import.meta.url);
}

/** Every recorded chat answer and stream, by provider. */
export function recordings(): Recording[] {
  const out: Recording[] = [];
  for (const provider of recordedProviders) {
    for (const file of readdirSync(fixtureUrl(provider.folder, "")).sort()) {
      if (file.endsWith(".chunks.txt")) {
        const name = file.slice(0, -".chunks.txt".length);
        const first = readFileSync(fixtureUrl(provider.folder, file), "utf8").split("\n", 1)[0] ?? "{}";
        if (isAnswer(name, JSON.parse(first))) out.push({ provider, name, kind: "stream" });
      } else if (file.endsWith(".json")) {
        const name = file.slice(0, -".json".length);
        if (isAnswer(name, JSON.parse(readFileSync(fixtureUrl(provider.folder, file), "utf8")))) out.push({ provider, name, kind: "whole" });
      }
    }
  }
  return out;
}

export const recordedContext: ProviderContext = { requestId: "req_recorded_1", created: 1770000000, publicModel: "chat" };

/** A whole recorded answer as the adapter converts it. */
export function recordedAnswer(recording: Recording): ConvertedResponse {
  const body = JSON.parse(readFileSync(fixtureUrl(recording.provider.folder, `${recording.name}.json`), "utf8")) as unknown;
  return recording.provider.adapter.convertResponse(body, recordedContext);
}

/** A recorded stream as the chat chunks the adapter's converter makes of it (usage asked for, as gw always does upstream). */
export async function recordedChunks(recording: Recording, request: Partial<ChatCompletionRequest> = {}): Promise<ChatCompletionChunk[]> {
  const lines = readFileSync(fixtureUrl(recording.provider.folder, `${recording.name}.chunks.txt`), "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0);
  const chat: ChatCompletionRequest = { model: "chat", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true }, ...request };
  const { adapter } = recording.provider;
  const converter = adapter.createStreamConverter(recordedContext, chat);
  const chunks: ChatCompletionChunk[] = [];
  for await (const event of decodeStream(adapter.streamFormat, byteStream(recording.provider.frame(lines)), { provider: adapter.name })) chunks.push(...converter.push(event));
  chunks.push(...converter.end());
  return chunks;
}
