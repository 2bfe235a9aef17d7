/**
 * What a client should end up with when a fake upstream replays a fixture: the text and the
 * token counts, read from the recording itself so tests never hard-code them.
 */
import { readFixture, readFixtureLines } from "./fake-server.ts";

interface OpenAIChunkLine {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

interface AnthropicEventLine {
  type: string;
  delta?: { type?: string; text?: string };
  usage?: { input_tokens?: number; output_tokens?: number };
  message?: { usage?: { input_tokens?: number; output_tokens?: number } };
}

/** The assistant text of a non-streaming fixture (OpenAI `choices[0].message.content` or Anthropic text blocks). */
export function fixtureText(name: string): string {
  const body = JSON.parse(readFixture(`${name}.json`)) as {
    choices?: Array<{ message: { content: string | null } }>;
    content?: Array<{ type: string; text?: string }>;
  };
  if (body.choices) return body.choices[0]?.message.content ?? "";
  return (body.content ?? []).filter((block) => block.type === "text").map((block) => block.text ?? "").join("");
}

/** The text a streaming fixture spells out, for either wire format. */
export function fixtureStreamText(name: string): string {
  return readFixtureLines(name)
    .map((line) => {
      const event = JSON.parse(line) as OpenAIChunkLine & AnthropicEventLine;
      if (event.type === "content_block_delta") return event.delta?.type === "text_delta" ? (event.delta.text ?? "") : "";
      return event.choices?.[0]?.delta?.content ?? "";
    })
    .join("");
}

/** Prompt and completion tokens of a non-streaming fixture. */
export function fixtureUsage(name: string): { promptTokens: number; completionTokens: number } {
  const body = JSON.parse(readFixture(`${name}.json`)) as {
    usage: { prompt_tokens?: number; completion_tokens?: number; input_tokens?: number; output_tokens?: number };
  };
  return {
    promptTokens: body.usage.prompt_tokens ?? body.usage.input_tokens ?? 0,
    completionTokens: body.usage.completion_tokens ?? body.usage.output_tokens ?? 0,
  };
}
