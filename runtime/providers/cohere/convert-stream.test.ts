import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay, streamedContent as content } from "../../../test/support/replay-stream.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { cohere } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "command" };
const request: ChatCompletionRequest = { model: "command", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Re-framed as Cohere sends it (fixtures README: `event: TYPE\ndata: LINE\n\n`). */
function wire(source: string[]): string {
  return source.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join("");
}

describe("cohere stream converter", () => {
  it.each(["cohere-text.chunks.txt", "cohere-tool-call.chunks.txt"])("%s: every chunk is schema-valid, with and without usage", async (name) => {
    await replay(wire(lines(name)), cohere.createStreamConverter(context, request));
    await replay(wire(lines(name)), cohere.createStreamConverter(context, withUsage));
  });

  it("streams text: role first, content deltas, finish_reason, then usage when asked", async () => {
    const converter = cohere.createStreamConverter(context, withUsage);
    const chunks = await replay(wire(lines("cohere-text.chunks.txt")), converter);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-321d178c-2c12-44d3-ae42-2f5510f6b1cc")).toBe(true);
    expect(content(chunks)).toBe("The capital of France is Paris.");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } });
    expect(converter.usage()).toMatchObject({ inputTokens: 12, outputTokens: 7 });
  });

  it("streams two tool calls as argument deltas at indexes 0 and 1, without the tool plan", async () => {
    const chunks = await replay(wire(lines("cohere-tool-call.chunks.txt")), cohere.createStreamConverter(context, request));
    expect(content(chunks)).toBe("");
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    for (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { arguments: "" });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        call.arguments += delta.function?.arguments ?? "";
      }
    }
    expect(calls).toEqual([
      { id: "weather_e8p4pn45zt0t", name: "weather", arguments: '{"location": "San Francisco"}' },
      { id: "cityAttractions_pyxssbwnq9fq", name: "cityAttractions", arguments: '{"city": "San Francisco"}' },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("fails on a message-end with finish_reason ERROR, and on a stream that ends before message-end", async () => {
    const failed = [...lines("cohere-text.chunks.txt").slice(0, 4), JSON.stringify({ type: "message-end", delta: { finish_reason: "ERROR", error: "boom" } })];
    await expect(replay(wire(failed), cohere.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, retryable: true });
    const cut = lines("cohere-text.chunks.txt").slice(0, 5);
    await expect(replay(wire(cut), cohere.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
  });
});
