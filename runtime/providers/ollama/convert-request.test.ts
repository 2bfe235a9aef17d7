import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ResolvedDeployment } from "../types.ts";
import { ollama } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({ id: "llama/0", provider: "ollama", model: "llama3.2", baseUrl: "http://localhost:11434" });

const weatherTool = {
  type: "function" as const,
  function: { name: "get_current_weather", description: "Get the weather", parameters: { type: "object", properties: { location: { type: "string" } } }, strict: true },
};
const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async function build(input: ChatCompletionRequest, stream = false, target = deployment) {
  const converted = await ollama.buildRequest(input, target, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Record<string, unknown> };
}

describe("ollama buildRequest", () => {
  it("posts to /api/chat, stream false when not streaming, no auth without a key", async () => {
    const { upstream, body, warnings } = await build({ model: "llama", messages: [{ role: "user", content: "why is the sky blue?" }] });
    expect(upstream.url).toBe("http://localhost:11434/api/chat");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(body).toEqual({ model: "llama3.2", messages: [{ role: "user", content: "why is the sky blue?" }], stream: false });
    expect(warnings).toEqual([]);
  });

  it("streams NDJSON and sends a configured key as a bearer token", async () => {
    const { upstream, body } = await build({ model: "llama", messages: [{ role: "user", content: "Hi" }], stream: true }, true, {
      ...deployment,
      apiKey: "ollama-key",
      baseUrl: "https://ollama.example.com/api",
    });
    expect(upstream.url).toBe("https://ollama.example.com/api/chat");
    expect(upstream.headers.authorization).toBe("Bearer ollama-key");
    expect(upstream.headers.accept).toBe("application/x-ndjson");
    expect(body.stream).toBe(true);
  });

  it("moves sampling parameters into options, max tokens as num_predict", async () => {
    const { body } = await build({
      model: "llama",
      messages: [{ role: "user", content: "Hi" }],
      temperature: 0.1,
      top_p: 0.9,
      seed: 42,
      stop: "\n\n",
      max_completion_tokens: 64,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      options: { num_ctx: 8192 },
      keep_alive: "10m",
    });
    expect(body.options).toEqual({ num_ctx: 8192, temperature: 0.1, top_p: 0.9, seed: 42, stop: ["\n\n"], num_predict: 64, presence_penalty: 0.5, frequency_penalty: 0.25 });
    expect(body.keep_alive).toBe("10m");
    expect((await build({ model: "llama", messages: [{ role: "user", content: "Hi" }], max_tokens: 10 })).body.options).toEqual({ num_predict: 10 });
  });

  it("sends data: URL images as base64 in images, and joins text parts", async () => {
    const { body } = await build({
      model: "llama",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is in this image?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
            { type: "text", text: "be brief" },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([{ role: "user", content: "what is in this image?\nbe brief", images: [pixel] }]);
  });

  it("rejects an image URL Ollama cannot fetch with a 400 naming the part", async () => {
    await expect(
      build({ model: "llama", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] }),
    ).rejects.toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[0].content[0].image_url" });
  });

  it("converts tools, tool calls (arguments as objects) and tool results (with tool_name)", async () => {
    const { body } = await build({
      model: "llama",
      messages: [
        { role: "developer", content: "Use tools." },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_llama_0", type: "function", function: { name: "get_current_weather", arguments: '{"location":"Paris, FR"}' } }] },
        { role: "tool", tool_call_id: "call_llama_0", content: "18C, sunny" },
      ],
      tools: [weatherTool],
      tool_choice: "auto",
    });
    expect(body.tools).toEqual([
      { type: "function", function: { name: "get_current_weather", description: "Get the weather", parameters: weatherTool.function.parameters } },
    ]);
    expect(body.messages).toEqual([
      { role: "system", content: "Use tools." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_current_weather", arguments: { location: "Paris, FR" } } }] },
      { role: "tool", content: "18C, sunny", tool_name: "get_current_weather" },
    ]);
  });

  it("rejects tool call arguments that are not a JSON object", async () => {
    await expect(
      build({ model: "llama", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "[1,2]" } }] }] }),
    ).rejects.toMatchObject({ status: 400, param: "messages[0].tool_calls[0].function.arguments" });
  });

  it("honours tool_choice as far as Ollama can", async () => {
    const base = { model: "llama", messages: [{ role: "user" as const, content: "Hi" }], tools: [weatherTool, { type: "function" as const, function: { name: "other" } }] };
    expect((await build({ ...base, tool_choice: "none" })).body).not.toHaveProperty("tools");
    const required = await build({ ...base, tool_choice: "required" });
    expect(required.body.tools).toHaveLength(2);
    expect(required.warnings).toEqual(['tool_choice "required" dropped: ollama cannot force a tool call, the model decides']);
    const named = await build({ ...base, tool_choice: { type: "function", function: { name: "other" } } });
    expect(named.body.tools).toEqual([{ type: "function", function: { name: "other" } }]);
    expect(named.warnings).toHaveLength(1);
    await expect(build({ ...base, tool_choice: { type: "function", function: { name: "missing" } } })).rejects.toMatchObject({ status: 400, param: "tool_choice" });
  });

  it("maps response_format to format: json or a JSON schema", async () => {
    const messages = [{ role: "user" as const, content: "Reply in JSON" }];
    expect((await build({ model: "llama", messages, response_format: { type: "json_object" } })).body.format).toBe("json");
    const schema = { type: "object", properties: { age: { type: "integer" } }, required: ["age"] };
    expect((await build({ model: "llama", messages, response_format: { type: "json_schema", json_schema: { name: "person", schema } } })).body.format).toEqual(schema);
    expect((await build({ model: "llama", messages, response_format: { type: "text" } })).body).not.toHaveProperty("format");
  });

  it("turns reasoning_effort into think, and passes think through", async () => {
    const messages = [{ role: "user" as const, content: "Hi" }];
    expect((await build({ model: "llama", messages, reasoning_effort: "high" })).body.think).toBe("high");
    expect((await build({ model: "llama", messages, reasoning_effort: "none" })).body.think).toBe(false);
    expect((await build({ model: "llama", messages, think: true })).body.think).toBe(true);
  });

  it("drops what Ollama cannot do, one warning each", async () => {
    const { body, warnings } = await build({
      model: "llama",
      messages: [{ role: "user", content: "Hi" }],
      n: 2,
      logit_bias: { "1": 2 },
      logprobs: true,
      user: "u",
    });
    expect(Object.keys(body).sort()).toEqual(["messages", "model", "stream"]);
    expect(warnings).toEqual([
      "n=2 not supported by ollama: one choice is returned",
      "logit_bias dropped: not supported by ollama",
      "logprobs dropped: not supported by ollama",
      "user dropped: not supported by ollama",
    ]);
  });
});
