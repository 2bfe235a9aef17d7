import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import type { ProviderContext } from "../types.ts";
import { mistral } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "small" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

describe("mistral convertResponse (recorded responses)", () => {
  it("reads text, finish reason and usage", () => {
    const { completion, usage } = mistral.convertResponse(fixture("mistral-text.json"), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    expect(completion.id).toBe("5319bd0299614c679a0068a4f2c8ffd0");
    expect(completion.model).toBe("mistral-small-latest");
    expect(completion.choices[0]!.message.content).toMatch(/^\*\*Holiday Name: "World Kindness Day of Sharing"\*\*/);
    expect(completion.choices[0]!.message).not.toHaveProperty("tool_calls", null);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(usage).toEqual({ inputTokens: 13, outputTokens: 434, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("types Mistral's tool calls and keeps their ids", () => {
    const { completion, usage } = mistral.convertResponse(fixture("mistral-tool-call.json"), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(completion.choices[0]!.message.content).toBeNull();
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(usage.inputTokens).toBe(124);
    expect(usage.outputTokens).toBe(22);
  });

  it("maps model_length to length", () => {
    const body = fixture("mistral-text.json") as { choices: Array<{ finish_reason: string }> };
    body.choices[0]!.finish_reason = "model_length";
    expect(mistral.convertResponse(body, context).completion.choices[0]!.finish_reason).toBe("length");
  });
});

describe("mistral reasoning models (Magistral): content as thinking and text parts", () => {
  const magistral = () => ({
    id: "m1",
    object: "chat.completion",
    created: 1770000000,
    model: "magistral-small-latest",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: [
            { type: "thinking", thinking: [{ type: "text", text: "The user greets me. " }, { type: "text", text: "Answer briefly." }] },
            { type: "text", text: "Hello!" },
          ],
        },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 },
  });

  it("answers the text as content and the thinking as reasoning_content, OpenAI-valid (was a 502)", () => {
    const { completion } = mistral.convertResponse(magistral(), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    const message = completion.choices[0]!.message as { content: string | null; reasoning_content?: string };
    expect(message.content).toBe("Hello!");
    expect(message.reasoning_content).toBe("The user greets me. Answer briefly.");
  });
});
