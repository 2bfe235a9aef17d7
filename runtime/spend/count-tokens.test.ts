import { countTokens as countWithLibrary } from "gpt-tokenizer/encoding/o200k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { countStreamUsage, streamUsage } from "../endpoints/chat.ts";
import { estimateTextTokens } from "./cost-estimate.ts";
import { countTokens, encodingOf, loadTokenizers } from "./count-tokens.ts";

const text = "Streaming the answer, then the client left: gw counts 🙂 what it relayed — exactly, with OpenAI's tokenizer.";

describe("token counting for usage gw establishes itself", () => {
  beforeAll(() => loadTokenizers(["gpt-4o-mini", "llama-3.1-8b"]), 30_000);

  it("knows the encodings of OpenAI's models, whatever the provider prefix", () => {
    expect(encodingOf("gpt-4o-mini")).toBe("o200k_base");
    expect(encodingOf("openai/gpt-5")).toBe("o200k_base");
    expect(encodingOf("o3-mini")).toBe("o200k_base");
    expect(encodingOf("gpt-4-turbo")).toBe("cl100k_base");
    expect(encodingOf("gpt-3.5-turbo")).toBe("cl100k_base");
    expect(encodingOf("claude-sonnet-4-5")).toBeNull();
  });

  it("counts with the model's tokenizer in the tokenizer thread, and not at all for other models", async () => {
    expect(await countTokens("gpt-4o-mini", [text, ""])).toEqual([countWithLibrary(text), 0]);
    expect(countWithLibrary(text)).not.toBe(estimateTextTokens(text));
    expect(countTokens("claude-sonnet-4-5", [text])).toBeNull();
    // Not loaded at start-up (no deployment needed it): null, never a load on the request path.
    expect(countTokens("gpt-4-turbo", [text])).toBeNull();
  });

  it("prices a cut stream of an OpenAI model by the tokens it relayed", async () => {
    const chat = { model: "gpt", messages: [{ role: "user" as const, content: "Tell me a story." }] };
    const estimate = streamUsage(chat, null, text, false);
    expect(estimate).not.toBeNull();
    const usage = await countStreamUsage("gpt-4o-mini", chat, estimate!, null, text);
    expect(usage?.outputTokens).toBe(countWithLibrary(text));
    // Prompt: the message's tokens plus the per-message and per-request overhead.
    expect(usage?.inputTokens).toBe(countWithLibrary("Tell me a story.") + 4 + 3);
    expect(countStreamUsage("claude-sonnet-4-5", chat, estimate!, null, text)).toBeNull();
  });
});
