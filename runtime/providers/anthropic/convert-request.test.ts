import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import type { ResolvedDeployment } from "../types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { thrownGatewayError } from "../../testing/thrown-gateway-error.ts";
import { anthropic } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "claude/0",
  provider: "anthropic",
  model: "claude-sonnet-4-5-20250929",
  baseUrl: "https://api.anthropic.com",
  apiKey: "sk-ant-test",
});

type Body = Record<string, unknown> & { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };

function build(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }, stream = false, target = deployment) {
  const converted = anthropic.buildRequest({ model: "claude", ...request }, target, stream);
  if (converted instanceof Promise) throw new Error("anthropic buildRequest must be synchronous");
  return { ...converted, body: JSON.parse(converted.upstream.body) as Body };
}

function buildError(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }): GatewayError {
  return thrownGatewayError(() => build(request));
}

const hello: ChatMessage[] = [{ role: "user", content: "Hello" }];

describe("anthropic buildRequest", () => {
  it("posts to /v1/messages with x-api-key and anthropic-version", () => {
    const { upstream, body } = build({ messages: hello }, true);
    expect(upstream.url).toBe("https://api.anthropic.com/v1/messages");
    expect(upstream.method).toBe("POST");
    expect(upstream.headers).toMatchObject({ "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01", "content-type": "application/json" });
    expect(upstream.headers).not.toHaveProperty("authorization");
    expect(body).toEqual({
      model: "claude-sonnet-4-5-20250929",
      messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
      max_tokens: 16384,
      stream: true,
    });
  });

  it("moves leading system and developer messages into system; a later one keeps its place as user text", () => {
    const { body } = build({
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hi" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Again" },
      ],
    });
    expect(body.system).toEqual([{ type: "text", text: "You are terse." }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hi" }, { type: "text", text: "System: Answer in French." }, { type: "text", text: "Again" }] },
    ]);
  });

  it("puts a system message sent between tool calls and their results after the results (Anthropic wants them first)", () => {
    const { body } = build({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }] },
        { role: "system", content: "Use Celsius." },
        { role: "tool", tool_call_id: "call_1", content: "20" },
      ],
      tools: [{ type: "function", function: { name: "weather" } }],
    });
    expect(body.messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "20" },
        { type: "text", text: "System: Use Celsius." },
      ],
    });
  });

  it("keeps each text part of a system message as its own block, not run together", () => {
    const { body } = build({
      messages: [
        { role: "system", content: [{ type: "text", text: "Be brief." }, { type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hi" },
      ],
    });
    expect(body.system).toEqual([
      { type: "text", text: "Be brief." },
      { type: "text", text: "Answer in French." },
    ]);
  });

  it("merges consecutive same-role messages so roles alternate", () => {
    const { body } = build({
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", content: "three" },
        { role: "assistant", content: [{ type: "text", text: "four" }] },
        { role: "user", content: "five" },
      ],
    });
    expect(body.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[0]!.content).toEqual([
      { type: "text", text: "one" },
      { type: "text", text: "two" },
    ]);
    expect(body.messages[1]!.content).toHaveLength(2);
  });

  it("converts image parts: data URLs to base64 sources, http(s) URLs to url sources", () => {
    const { body } = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
          ],
        },
      ],
    });
    expect(body.messages[0]!.content).toEqual([
      { type: "text", text: "What is this?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  it("rejects images Anthropic cannot take with a 400 naming the part", () => {
    const bmp = buildError({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] });
    expect(bmp).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[0].content[0].image_url.url" });
    const notBase64 = buildError({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,raw" } }] }] });
    expect(notBase64.status).toBe(400);
    const audio = buildError({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] });
    expect(audio).toMatchObject({ status: 400, param: "messages[0].content[0].type" });
  });

  it("turns assistant tool_calls into tool_use blocks and tool messages into tool_result blocks", () => {
    const { body } = build({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "24C" }] },
        { role: "user", content: "Thanks, which is warmer?" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "call_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18C" },
          { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "24C" }] },
          { type: "text", text: "Thanks, which is warmer?" },
        ],
      },
    ]);
  });

  it("declares the history's tools, with no new calls, when the request has tool calls in its history but no tools", () => {
    const history: ChatMessage[] = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "18C" },
      { role: "user", content: "Summarize." },
    ];
    const { body } = build({ messages: history });
    expect(body.tools).toEqual([{ name: "weather", description: "A tool called earlier in this conversation.", input_schema: { type: "object", properties: {} } }]);
    expect(body.tool_choice).toEqual({ type: "none" });
    // With tools declared by the client, nothing is added; without tool history, no tools at all.
    const declared = build({ messages: history, tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }] }).body;
    expect((declared.tools as unknown[]).length).toBe(1);
    expect(declared.tool_choice).toBeUndefined();
    expect(build({ messages: hello }).body.tools).toBeUndefined();
  });

  it("makes tool ids from other providers acceptable to Anthropic, consistently", () => {
    const { body } = build({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "functions.weather:0", type: "function", function: { name: "weather", arguments: "" } }] },
        { role: "tool", tool_call_id: "functions.weather:0", content: "ok" },
      ],
    });
    expect(body.messages[1]!.content[0]).toEqual({ type: "tool_use", id: "functions_weather_0", name: "weather", input: {} });
    expect(body.messages[2]!.content[0]).toMatchObject({ tool_use_id: "functions_weather_0" });
  });

  it("rejects tool call arguments that are not a JSON object with a 400 naming the param", () => {
    const error = buildError({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{not json" } }] },
      ],
    });
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[1].tool_calls[0].function.arguments" });
  });

  it("converts tools and every tool_choice form", () => {
    const tools: ChatCompletionRequest["tools"] = [
      { type: "function", function: { name: "weather", description: "Get the weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
      { type: "function", function: { name: "noop" } },
    ];
    const auto = build({ messages: hello, tools });
    expect(auto.body.tools).toEqual([
      { name: "weather", description: "Get the weather", input_schema: { type: "object", properties: { city: { type: "string" } } } },
      { name: "noop", input_schema: { type: "object", properties: {} } },
    ]);
    expect(auto.body).not.toHaveProperty("tool_choice");
    expect(build({ messages: hello, tools, tool_choice: "auto" }).body.tool_choice).toEqual({ type: "auto" });
    expect(build({ messages: hello, tools, tool_choice: "required" }).body.tool_choice).toEqual({ type: "any" });
    expect(build({ messages: hello, tools, tool_choice: "none" }).body.tool_choice).toEqual({ type: "none" });
    expect(build({ messages: hello, tools, tool_choice: { type: "function", function: { name: "weather" } } }).body.tool_choice).toEqual({
      type: "tool",
      name: "weather",
    });
    expect(build({ messages: hello, tools, parallel_tool_calls: false }).body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(build({ messages: hello, tools, tool_choice: "required", parallel_tool_calls: false }).body.tool_choice).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
  });

  it("maps stop (string or array), sampling parameters and user", () => {
    expect(build({ messages: hello, stop: "END" }).body.stop_sequences).toEqual(["END"]);
    const { body, warnings } = build({ messages: hello, stop: ["a", "b"], temperature: 0.3, top_p: 0.9, user: "user-42" });
    expect(body).toMatchObject({ stop_sequences: ["a", "b"], temperature: 0.3, top_p: 0.9, metadata: { user_id: "user-42" } });
    expect(warnings).toEqual([]);
  });

  it("uses the client's max tokens, else a per-model default", () => {
    expect(build({ messages: hello, max_tokens: 100 }).body.max_tokens).toBe(100);
    expect(build({ messages: hello, max_tokens: 100, max_completion_tokens: 200 }).body.max_tokens).toBe(200);
    expect(build({ messages: hello }, false, { ...deployment, model: "claude-3-haiku-20240307" }).body.max_tokens).toBe(4096);
    expect(build({ messages: hello }, false, { ...deployment, model: "claude-3-5-sonnet-latest" }).body.max_tokens).toBe(8192);
    expect(build({ messages: hello }, false, { ...deployment, model: "claude-opus-4-1" }).body.max_tokens).toBe(16384);
  });

  it("drops what Anthropic cannot do, with one warning each", () => {
    const { body, warnings } = build({
      messages: hello,
      n: 3,
      logprobs: true,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      seed: 1,
      temperature: 1.5,
    });
    expect(body.temperature).toBe(1);
    for (const key of ["n", "presence_penalty", "frequency_penalty", "seed", "logprobs", "temperature"]) {
      expect(warnings.some((warning) => warning.includes(key))).toBe(true);
    }
    expect(warnings).toHaveLength(6);
    for (const key of ["n", "presence_penalty", "frequency_penalty", "seed", "logprobs"]) expect(body).not.toHaveProperty(key);
  });

  it("implements response_format json_schema with a forced tool", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const { body, warnings } = build({ messages: hello, response_format: { type: "json_schema", json_schema: { name: "a", schema } } });
    expect(warnings).toEqual([]);
    expect(body.tools).toEqual([expect.objectContaining({ name: "gw_response_format", input_schema: schema })]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "gw_response_format" });
    const jsonObject = build({ messages: hello, response_format: { type: "json_object" } });
    expect(jsonObject.body.tool_choice).toEqual({ type: "tool", name: "gw_response_format" });
  });

  it("drops response_format with a warning when the client also sends tools", () => {
    const tools: ChatCompletionRequest["tools"] = [{ type: "function", function: { name: "f" } }];
    const { body, warnings } = build({ messages: hello, tools, response_format: { type: "json_object" } });
    expect((body.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual(["f"]);
    expect(warnings).toEqual([expect.stringContaining("response_format")]);
  });

  it("with tools, a JSON schema goes as Anthropic's structured output (output_format + beta) on models that have it, never as a forced tool", () => {
    const tools: ChatCompletionRequest["tools"] = [{ type: "function", function: { name: "f" } }];
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
    const format = { type: "json_schema" as const, json_schema: { name: "a", schema } };
    const built = build({ messages: hello, tools, response_format: format });
    expect(built.body.output_format).toEqual({ type: "json_schema", schema });
    expect(built.body.tool_choice).toBeUndefined();
    expect((built.body.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual(["f"]);
    expect(built.upstream.headers["anthropic-beta"]).toBe("structured-outputs-2025-11-13");
    expect(built.warnings).toEqual([]);
    const old = build({ messages: hello, tools, response_format: format }, false, { ...deployment, model: "claude-3-7-sonnet-20250219" });
    expect(old.body.output_format).toBeUndefined();
    expect(old.upstream.headers["anthropic-beta"]).toBeUndefined();
    expect(old.warnings.join("\n")).toMatch(/no structured outputs/);
    const opus41 = build({ messages: hello, tools, response_format: format }, false, { ...deployment, model: "claude-opus-4-1-20250805" });
    expect(opus41.body.output_format).toEqual({ type: "json_schema", schema });
    // Without tools the forced tool stays (every Claude has it).
    expect(build({ messages: hello, response_format: format }).body.output_format).toBeUndefined();
  });

  it("rejects malformed input with clear 400s", () => {
    expect(buildError({ messages: [] })).toMatchObject({ status: 400, param: "messages" });
    expect(buildError({ messages: [{ role: "function", content: "x" } as unknown as ChatMessage] })).toMatchObject({
      status: 400,
      param: "messages[0].role",
    });
    expect(buildError({ messages: [{ role: "system", content: "only a system prompt" }] })).toMatchObject({ status: 400, param: "messages" });
    expect(
      buildError({ messages: hello, tools: [{ type: "function", function: { name: "gw_response_format" } }] }),
    ).toMatchObject({ status: 400, param: "tools[0].function.name" });
  });
});

describe("anthropic extended thinking", () => {
  it("maps reasoning_effort onto a thinking budget below max_tokens, and drops what thinking does not allow, with warnings", () => {
    const { body, warnings } = build({ messages: hello, reasoning_effort: "medium", max_tokens: 8000, temperature: 0.2, top_p: 0.5 } as never);
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(body.temperature).toBeUndefined();
    expect(body.top_p).toBe(0.95);
    expect(warnings.join("\n")).toMatch(/temperature 0.2 dropped/);
    expect(warnings.join("\n")).not.toMatch(/reasoning_effort.*not supported/);
  });

  it("takes an Anthropic-style thinking object, keeps the budget below max_tokens, and refuses a budget under 1024", () => {
    expect(build({ messages: hello, thinking: { type: "enabled", budget_tokens: 5000 }, max_tokens: 3000 } as never).body.thinking).toEqual({ type: "enabled", budget_tokens: 2999 });
    expect(buildError({ messages: hello, thinking: { type: "enabled", budget_tokens: 10 } } as never).param).toBe("thinking.budget_tokens");
  });

  it("drops thinking when max_tokens is too small or a tool is forced, never raising max_tokens", () => {
    const small = build({ messages: hello, reasoning_effort: "high", max_tokens: 500 } as never);
    expect(small.body.thinking).toBeUndefined();
    expect(small.body.max_tokens).toBe(500);
    const forced = build({
      messages: hello,
      reasoning_effort: "low",
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
      tool_choice: "required",
    } as never);
    expect(forced.body.thinking).toBeUndefined();
    expect(forced.warnings.join("\n")).toMatch(/thinking dropped/);
  });

  it("sends the thinking blocks of earlier turns back first, signatures kept, when thinking is on (and leaves them out otherwise)", () => {
    const messages = [
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        content: null,
        thinking_blocks: [{ type: "thinking", thinking: "Call the tool.", signature: "sig-1" }],
        tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18C" },
    ] as ChatMessage[];
    const tools = [{ type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: {} } } }];
    const on = build({ messages, tools, reasoning_effort: "low" } as never).body;
    expect(on.messages[1]?.content[0]).toEqual({ type: "thinking", thinking: "Call the tool.", signature: "sig-1" });
    const off = build({ messages, tools }).body;
    expect(off.messages[1]?.content.map((block) => block.type)).toEqual(["tool_use"]);
  });
});
