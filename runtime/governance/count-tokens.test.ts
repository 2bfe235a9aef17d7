import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { streamUsage } from "../chat.ts";
import { estimateTextTokens } from "./cost-estimate.ts";
import { encodingOf, loadTokenizers, textCounterFor } from "./count-tokens.ts";

const text = "Streaming the answer, then the client left: gw counts 🙂 what it relayed — exactly, with OpenAI's tokenizer.";

describe("token counting for usage gw establishes itself", () => {
  beforeAll(() => loadTokenizers(["gpt-4o-mini", "llama-3.1-8b"]));

  it("knows the encodings of OpenAI's models, whatever the provider prefix", () => {
    expect(encodingOf("gpt-4o-mini")).toBe("o200k_base");
    expect(encodingOf("openai/gpt-5")).toBe("o200k_base");
    expect(encodingOf("o3-mini")).toBe("o200k_base");
    expect(encodingOf("gpt-4-turbo")).toBe("cl100k_base");
    expect(encodingOf("gpt-3.5-turbo")).toBe("cl100k_base");
    expect(encodingOf("claude-sonnet-4-5")).toBeNull();
  });

  it("counts with the model's tokenizer once loaded, and with the estimate for other models", () => {
    expect(textCounterFor("gpt-4o-mini")(text)).toBe(countTokens(text));
    expect(countTokens(text)).not.toBe(estimateTextTokens(text));
    expect(textCounterFor("claude-sonnet-4-5")(text)).toBe(estimateTextTokens(text));
    // Not loaded (no deployment needed it): the estimate, never a load on the request path.
    expect(textCounterFor("gpt-4-turbo")(text)).toBe(estimateTextTokens(text));
  });

  it("prices a cut stream of an OpenAI model by the tokens it relayed", () => {
    const chat = { model: "gpt", messages: [{ role: "user" as const, content: "Tell me a story." }] };
    const usage = streamUsage(chat, null, text, false, textCounterFor("gpt-4o-mini"));
    expect(usage?.outputTokens).toBe(countTokens(text));
    // Prompt: the message's tokens plus OpenAI's per-message and per-request overhead.
    expect(usage?.inputTokens).toBe(countTokens("Tell me a story.") + 4 + 3);
  });
});
