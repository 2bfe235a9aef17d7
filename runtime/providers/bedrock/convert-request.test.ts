import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createBedrockDialect } from "../../../test/fakes/bedrock-upstream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { rejectedGatewayError } from "../../testing/thrown-gateway-error.ts";
import type { ResolvedDeployment } from "../types.ts";
import { bedrock } from "./index.ts";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

const deployment: ResolvedDeployment = testDeployment({
  id: "claude-bedrock/0",
  provider: "bedrock",
  model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
  baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
  secrets: { awsAccessKeyId: "AKIDEXAMPLE", awsSecretAccessKey: "secret" },
  options: { region: "us-east-1" },
});

type Block = Record<string, unknown>;
type Body = Record<string, unknown> & { messages: Array<{ role: string; content: Block[] }>; toolConfig?: Record<string, unknown> };

async function build(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }, stream = false, target = deployment) {
  const converted = await bedrock.buildRequest({ model: "claude", ...request }, target, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Body };
}

function buildError(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }): Promise<GatewayError> {
  return rejectedGatewayError(() => build(request));
}

/** Bedrock's own request checks (as the fake upstream performs them): null when Bedrock would accept the body. */
function bedrockWouldReject(body: unknown): string | null {
  const problem = createBedrockDialect().checkBody(body, JSON.stringify(body));
  return problem === null ? null : problem.body;
}

const hello: ChatMessage[] = [{ role: "user", content: "Hello" }];

describe("bedrock buildRequest", () => {
  it("posts to /model/{url-encoded model id}/converse, or converse-stream when streaming, without credentials", async () => {
    const plain = await build({ messages: hello });
    expect(plain.upstream.url).toBe("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expect(plain.upstream.headers).toEqual({ "content-type": "application/json", accept: "application/json" });
    expect(plain.body).toEqual({ messages: [{ role: "user", content: [{ text: "Hello" }] }] });

    const streamed = await build({ messages: hello }, true, { ...deployment, model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0" });
    expect(streamed.upstream.url).toBe(
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse-stream",
    );
    expect(streamed.upstream.headers.accept).toBe("application/vnd.amazon.eventstream");
    expect(streamed.body).not.toHaveProperty("stream");
    const arn = await build({ messages: hello }, false, { ...deployment, model: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc" });
    expect(arn.upstream.url).toContain("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/converse");
  });

  it("moves leading system messages into system (a later one keeps its place as user text) and merges same-role turns", async () => {
    const { body } = await build({
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "one" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: [{ type: "text", text: "two" }] },
        { role: "assistant", content: "three" },
        { role: "assistant", content: "" },
        { role: "user", content: "four" },
      ],
    });
    expect(body.system).toEqual([{ text: "You are terse." }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "one" }, { text: "System: Answer in French." }, { text: "two" }] },
      { role: "assistant", content: [{ text: "three" }] },
      { role: "user", content: [{ text: "four" }] },
    ]);
    expect(bedrockWouldReject(body)).toBeNull();
  });

  it("sends data: URL images as bytes and refuses http URLs with a 400 naming the part", async () => {
    const { body } = await build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
          ],
        },
      ],
    });
    expect(body.messages[0]!.content).toEqual([{ text: "What is this?" }, { image: { format: "jpeg", source: { bytes: "/9j/4AAQ" } } }]);
    expect(bedrockWouldReject(body)).toBeNull();

    const remote = await buildError({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] });
    expect(remote).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages[0].content[0].image_url.url" });
    expect(remote.message).toMatch(/base64 data: URL/);
    const bmp = await buildError({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] });
    expect(bmp.status).toBe(400);
    const audio = await buildError({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] });
    expect(audio).toMatchObject({ status: 400, param: "messages[0].content[0].type" });
  });

  it("sends base64 PDFs as document blocks with a name Bedrock accepts", async () => {
    const { body } = await build({
      messages: [{ role: "user", content: [{ type: "file", file: { filename: "q3_report.v2.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }] }],
    });
    expect(body.messages[0]!.content).toEqual([{ document: { format: "pdf", name: "q3 report v2", source: { bytes: "JVBERi0=" } } }]);
  });

  it("turns tool calls into toolUse blocks and tool messages into toolResult blocks of a user turn", async () => {
    const tools: ChatCompletionRequest["tools"] = [
      { type: "function", function: { name: "weather", description: "Get the weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
    ];
    const { body } = await build({
      tools,
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "functions.weather:1", type: "function", function: { name: "weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "tool", tool_call_id: "functions.weather:1", content: [{ type: "text", text: "24C" }] },
        { role: "user", content: "Which is warmer?" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { text: "Checking." },
          { toolUse: { toolUseId: "call_1", name: "weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "functions_weather_1", name: "weather", input: {} } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "call_1", content: [{ text: "18C" }] } },
          { toolResult: { toolUseId: "functions_weather_1", content: [{ text: "24C" }] } },
          { text: "Which is warmer?" },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "weather", description: "Get the weather", inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } } } }],
    });
    expect(bedrockWouldReject(body)).toBeNull();
  });

  it("declares the tools a history uses when the request has none, since Converse requires a toolConfig", async () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "go" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "found" },
    ];
    const withoutTools = await build({ messages });
    expect(withoutTools.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "lookup", description: "A tool called earlier in this conversation.", inputSchema: { json: { type: "object", properties: {} } } } }],
    });
    expect(bedrockWouldReject(withoutTools.body)).toBeNull();
    const none = await build({
      messages,
      tools: [{ type: "function", function: { name: "lookup" } }],
      tool_choice: "none",
    });
    expect(none.body.toolConfig).toEqual({ tools: [{ toolSpec: { name: "lookup", inputSchema: { json: { type: "object", properties: {} } } } }] });
    expect(none.warnings.some((warning) => warning.includes('"none"'))).toBe(true);
  });

  it("converts tool_choice: auto, required -> any, a function -> tool, none without tool history -> no tools", async () => {
    const tools: ChatCompletionRequest["tools"] = [{ type: "function", function: { name: "weather" } }];
    expect((await build({ messages: hello, tools })).body.toolConfig).not.toHaveProperty("toolChoice");
    expect((await build({ messages: hello, tools, tool_choice: "auto" })).body.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect((await build({ messages: hello, tools, tool_choice: "required" })).body.toolConfig?.toolChoice).toEqual({ any: {} });
    expect((await build({ messages: hello, tools, tool_choice: { type: "function", function: { name: "weather" } } })).body.toolConfig?.toolChoice).toEqual({
      tool: { name: "weather" },
    });
    expect((await build({ messages: hello, tools, tool_choice: "none" })).body).not.toHaveProperty("toolConfig");
    const orphan = await build({ messages: hello, tool_choice: "required" });
    expect(orphan.body).not.toHaveProperty("toolConfig");
    expect(orphan.warnings).toContain("tool_choice dropped: the request has no tools");
  });

  it("rejects tool arguments that are not a JSON object, and tools that are not functions", async () => {
    const badArguments = await buildError({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{oops" } }] },
      ],
    });
    expect(badArguments).toMatchObject({ status: 400, param: "messages[1].tool_calls[0].function.arguments" });
    const badTool = await buildError({ messages: hello, tools: [{ type: "custom" } as never] });
    expect(badTool).toMatchObject({ status: 400, param: "tools[0]" });
  });

  it("maps max tokens, temperature, top_p and stop into inferenceConfig", async () => {
    const { body, warnings } = await build({ messages: hello, max_tokens: 100, max_completion_tokens: 200, temperature: 0.2, top_p: 0.9, stop: "END" });
    expect(body.inferenceConfig).toEqual({ maxTokens: 200, temperature: 0.2, topP: 0.9, stopSequences: ["END"] });
    expect(warnings).toEqual([]);
    expect((await build({ messages: hello, stop: ["a", "b"] })).body.inferenceConfig).toEqual({ stopSequences: ["a", "b"] });
  });

  it("asks for structured output for response_format json_schema and json_object on models AWS offers it for", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
    const sonnet45 = { ...deployment, model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" };
    const withSchema = await build({ messages: hello, response_format: { type: "json_schema", json_schema: { name: "reply", schema } } }, false, sonnet45);
    expect(withSchema.body.outputConfig).toEqual({ textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(schema), name: "reply" } } } });
    const object = await build({ messages: hello, response_format: { type: "json_object" } }, false, { ...deployment, model: "qwen.qwen3-32b-v1:0" });
    expect(object.body.outputConfig).toMatchObject({ textFormat: { structure: { jsonSchema: { schema: '{"type":"object"}' } } } });
    expect((await build({ messages: hello, response_format: { type: "text" } })).body).not.toHaveProperty("outputConfig");
  });

  it("uses a forced tool for response_format on models without structured output (older Claude, Nova, Llama), never outputConfig", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    for (const model of ["anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.nova-pro-v1:0", "meta.llama3-70b-instruct-v1:0"]) {
      const { body, warnings } = await build({ messages: hello, response_format: { type: "json_schema", json_schema: { name: "reply", schema } } }, false, { ...deployment, model });
      expect(body, model).not.toHaveProperty("outputConfig");
      expect(body.toolConfig, model).toEqual({
        tools: [{ toolSpec: { name: "gw_response_format", description: expect.stringContaining("matching its schema"), inputSchema: { json: schema } } }],
        toolChoice: { tool: { name: "gw_response_format" } },
      });
      expect(warnings).toEqual([]);
    }
    const withTools = await build({ messages: hello, tools: [{ type: "function", function: { name: "f" } }], response_format: { type: "json_object" } }, false, { ...deployment, model: "amazon.nova-pro-v1:0" });
    expect(JSON.stringify(withTools.body)).not.toContain("gw_response_format");
    expect(withTools.warnings.join("\n")).toMatch(/response_format dropped/);
    await expect(build({ messages: hello, tools: [{ type: "function", function: { name: "gw_response_format" } }] })).rejects.toMatchObject({ status: 400 });
  });

  it("drops what Converse cannot do, with one warning each, and never sends it", async () => {
    const { body, warnings } = await build({
      messages: hello,
      n: 2,
      seed: 1,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      logprobs: true,
      user: "user-42",
      parallel_tool_calls: false,
    });
    for (const key of ["n=2", "seed", "presence_penalty", "frequency_penalty", "logprobs", "user", "parallel_tool_calls"]) {
      expect(warnings.some((warning) => warning.includes(key))).toBe(true);
    }
    expect(Object.keys(body).sort()).toEqual(["messages"]);
    expect(bedrockWouldReject(body)).toBeNull();
    expect((await build({ messages: hello, logprobs: false, parallel_tool_calls: true })).warnings).toEqual([]);
  });

  it("rejects malformed messages with a 400", async () => {
    expect(await buildError({ messages: [] })).toMatchObject({ status: 400, param: "messages" });
    expect(await buildError({ messages: [{ role: "critic", content: "x" } as never] })).toMatchObject({ status: 400, param: "messages[0].role" });
    expect(await buildError({ messages: [{ role: "system", content: "only a system prompt" }] })).toMatchObject({ status: 400, param: "messages" });
  });
});

describe("bedrock extended thinking (Claude models)", () => {
  const claude37: ResolvedDeployment = { ...deployment, model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0" };

  it("maps reasoning_effort onto additionalModelRequestFields.thinking, with Anthropic's budgets and sampling rules", async () => {
    const { body, warnings } = await build({ messages: hello, reasoning_effort: "medium", temperature: 0.2, top_p: 0.5 }, false, claude37);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
    // Bedrock's own default max tokens may be below the budget: Anthropic's default is sent instead.
    expect(body.inferenceConfig).toEqual({ maxTokens: 16384, topP: 0.95 });
    expect(warnings.join("\n")).toMatch(/temperature 0.2 dropped/);
    expect(warnings.join("\n")).not.toMatch(/reasoning_effort/);
    expect(bedrockWouldReject(body)).toBeNull();
  });

  it("takes an Anthropic-style thinking object, keeps the budget below max_tokens and refuses one under 1024", async () => {
    const capped = await build({ messages: hello, thinking: { type: "enabled", budget_tokens: 5000 }, max_tokens: 3000 }, false, claude37);
    expect(capped.body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2999 } });
    expect(capped.body.inferenceConfig).toEqual({ maxTokens: 3000 });
    const small = await buildError({ messages: hello, thinking: { type: "enabled", budget_tokens: 10 } });
    expect(small).toMatchObject({ status: 400, param: "thinking.budget_tokens" });
    expect((await build({ messages: hello, thinking: { type: "disabled" } }, false, claude37)).body).not.toHaveProperty("additionalModelRequestFields");
  });

  it("drops thinking, with a warning, when a tool is forced or max_tokens leaves no room", async () => {
    const tools: ChatCompletionRequest["tools"] = [{ type: "function", function: { name: "weather" } }];
    const forced = await build({ messages: hello, tools, tool_choice: "required", reasoning_effort: "low" }, false, claude37);
    expect(forced.body).not.toHaveProperty("additionalModelRequestFields");
    expect(forced.warnings.join("\n")).toMatch(/thinking dropped/);
    const small = await build({ messages: hello, max_tokens: 800, reasoning_effort: "high" }, false, claude37);
    expect(small.body).not.toHaveProperty("additionalModelRequestFields");
    expect(small.body.inferenceConfig).toEqual({ maxTokens: 800 });
  });

  it("warns instead for model families whose thinking gw cannot set", async () => {
    const nova = await build({ messages: hello, reasoning_effort: "high" }, false, { ...deployment, model: "amazon.nova-pro-v1:0" });
    expect(nova.body).not.toHaveProperty("additionalModelRequestFields");
    expect(nova.warnings).toEqual(["reasoning_effort dropped: gw sets thinking on bedrock only for Anthropic Claude models"]);
    expect((await build({ messages: hello, reasoning_effort: "none" }, false, { ...deployment, model: "amazon.nova-pro-v1:0" })).warnings).toEqual([]);
  });

  it("sends a recorded answer's thinking back first in its turn as reasoningContent, signature kept, only with thinking on", async () => {
    const answer = bedrock.convertResponse(fixture("amazon-bedrock-reasoning.json"), { requestId: "req_1", created: 1, publicModel: "claude" });
    const assistant = answer.completion.choices[0]!.message as ChatMessage;
    const messages: ChatMessage[] = [{ role: "user", content: "How many r's in strawberry?" }, assistant, { role: "user", content: "Sure?" }];
    const recorded = (fixture("amazon-bedrock-reasoning.json") as { output: { message: { content: Block[] } } }).output.message.content;

    const on = await build({ messages, reasoning_effort: "low" }, false, claude37);
    expect(on.body.messages[1]).toEqual({ role: "assistant", content: recorded });
    expect(bedrockWouldReject(on.body)).toBeNull();

    const redacted = await build(
      { messages: [hello[0]!, { role: "assistant", content: "Yes.", thinking_blocks: [{ type: "redacted_thinking", data: "EmwKAhgB" }] } as ChatMessage, { role: "user", content: "Go on" }], reasoning_effort: "low" },
      false,
      claude37,
    );
    expect(redacted.body.messages[1]!.content).toEqual([{ reasoningContent: { redactedContent: "EmwKAhgB" } }, { text: "Yes." }]);

    const off = await build({ messages }, false, claude37);
    expect(off.body.messages[1]!.content.map((block) => Object.keys(block)[0])).toEqual(["text"]);
  });
});
