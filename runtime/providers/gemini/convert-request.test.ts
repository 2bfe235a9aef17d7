import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { thrownGatewayError } from "../../testing/thrown-gateway-error.ts";
import type { ResolvedDeployment } from "../types.ts";
import { placeholderThoughtSignature } from "./convert-request.ts";
import { gemini } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  provider: "gemini",
  model: "gemini-3-pro-preview",
  baseUrl: "https://generativelanguage.googleapis.com/v1beta",
  apiKey: "AIza-test-key",
});

type Part = Record<string, unknown>;
type Body = Record<string, unknown> & {
  contents: Array<{ role: string; parts: Part[] }>;
  generationConfig?: Record<string, unknown>;
};

function build(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }, stream = false, target = deployment) {
  const converted = gemini.buildRequest({ model: "gemini", ...request }, target, stream);
  if (converted instanceof Promise) throw new Error("gemini buildRequest must be synchronous");
  return { ...converted, body: JSON.parse(converted.upstream.body) as Body };
}

function buildError(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }): GatewayError {
  return thrownGatewayError(() => build(request));
}

const hello: ChatMessage[] = [{ role: "user", content: "Hello" }];

describe("gemini buildRequest", () => {
  it("posts to generateContent with x-goog-api-key, or to streamGenerateContent?alt=sse", () => {
    const plain = build({ messages: hello });
    expect(plain.upstream.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:generateContent");
    expect(plain.upstream.method).toBe("POST");
    expect(plain.upstream.headers).toMatchObject({ "x-goog-api-key": "AIza-test-key", "content-type": "application/json" });
    expect(plain.upstream.headers).not.toHaveProperty("authorization");
    expect(plain.body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hello" }] }] });
    const streamed = build({ messages: hello }, true);
    expect(streamed.upstream.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse");
    expect(streamed.body).not.toHaveProperty("stream");
  });

  it("keeps a resource name as the model path", () => {
    const { upstream } = build({ messages: hello }, false, { ...deployment, model: "tunedModels/my-model" });
    expect(upstream.url).toBe("https://generativelanguage.googleapis.com/v1beta/tunedModels/my-model:generateContent");
  });

  it("moves leading system messages into systemInstruction (a later one keeps its place as user text) and merges same-role turns", () => {
    const { body } = build({
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "one" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: [{ type: "text", text: "two" }] },
        { role: "assistant", content: "three" },
        { role: "assistant", content: [{ type: "text", text: "four" }] },
        { role: "user", content: "five" },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "You are terse." }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "one" }, { text: "System: Answer in French." }, { text: "two" }] },
      { role: "model", parts: [{ text: "three" }, { text: "four" }] },
      { role: "user", parts: [{ text: "five" }] },
    ]);
  });

  it("converts images (inline data and URLs), audio and files", () => {
    const { body } = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp?size=large", detail: "high" } },
            { type: "image_url", image_url: { url: "https://example.com/photo" } },
            { type: "image_url", image_url: { url: "https://example.com/v1.2/render?id=7", format: "image/png" } as never },
            { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          ],
        },
      ],
    });
    expect(body.contents[0]!.parts).toEqual([
      { text: "What is this?" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/webp", fileUri: "https://example.com/cat.webp?size=large" } },
      { fileData: { fileUri: "https://example.com/photo" } },
      { fileData: { mimeType: "image/png", fileUri: "https://example.com/v1.2/render?id=7" } },
      { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
      { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
    ]);
  });

  it("rejects content it cannot send with a 400 naming the part", () => {
    expect(buildError({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,raw" } }] }] })).toMatchObject({
      status: 400,
      param: "messages[0].content[0].image_url.url",
    });
    expect(buildError({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-123" } }] }] })).toMatchObject({
      status: 400,
      param: "messages[0].content[0].file",
    });
    expect(buildError({ messages: [{ role: "user", content: [{ type: "video", video: {} }] }] })).toMatchObject({
      status: 400,
      param: "messages[0].content[0].type",
    });
    expect(buildError({ messages: [] })).toMatchObject({ status: 400, param: "messages" });
    expect(buildError({ messages: [{ role: "system", content: "only a system prompt" }] })).toMatchObject({ status: 400, param: "messages" });
  });

  it("turns tool calls into functionCall parts and tool results into functionResponse parts named after the call", () => {
    const { body } = build({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "forecast", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: '{"temperature": 18}' },
        { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "sunny" }] },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "model",
        parts: [
          { text: "Checking." },
          { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: placeholderThoughtSignature },
          { functionCall: { name: "forecast", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "weather", response: { temperature: 18 } } },
          { functionResponse: { name: "forecast", response: { output: "sunny" } } },
          { text: "Thanks" },
        ],
      },
    ]);
  });

  it("sends no placeholder thought signature to Gemini 2.x, which does not check them", () => {
    const { body } = build(
      {
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "1", content: "done" },
        ],
      },
      false,
      { ...deployment, model: "gemini-2.5-flash" },
    );
    expect(body.contents[1]!.parts).toEqual([{ functionCall: { name: "f", args: {} } }]);
  });

  it("rejects a tool result whose call it cannot find, and arguments that are not a JSON object", () => {
    expect(buildError({ messages: [{ role: "user", content: "go" }, { role: "tool", tool_call_id: "nope", content: "x" }] })).toMatchObject({
      status: 400,
      param: "messages[1].tool_call_id",
    });
    expect(
      buildError({
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "[1]" } }] },
        ],
      }),
    ).toMatchObject({ status: 400, param: "messages[1].tool_calls[0].function.arguments" });
  });

  it("converts tools with their schemas and every tool_choice form", () => {
    const tools: ChatCompletionRequest["tools"] = [
      {
        type: "function",
        function: {
          name: "weather",
          description: "Get the weather",
          strict: true,
          parameters: {
            type: "object",
            properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["c", "f", null] } },
            required: ["city", "unit"],
            additionalProperties: false,
          },
        },
      },
      { type: "function", function: { name: "noop", parameters: { type: "object", properties: {} } } },
    ];
    const auto = build({ messages: hello, tools });
    expect(auto.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "weather",
            description: "Get the weather",
            parameters: {
              type: "OBJECT",
              properties: { city: { type: "STRING" }, unit: { type: "STRING", nullable: true, enum: ["c", "f"] } },
              required: ["city", "unit"],
            },
          },
          { name: "noop" },
        ],
      },
    ]);
    expect(auto.body).not.toHaveProperty("toolConfig");
    expect(build({ messages: hello, tools, tool_choice: "auto" }).body.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(build({ messages: hello, tools, tool_choice: "none" }).body.toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(build({ messages: hello, tools, tool_choice: "required" }).body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(build({ messages: hello, tools, tool_choice: { type: "function", function: { name: "weather" } } }).body.toolConfig).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] },
    });
    expect(build({ messages: hello, tools, parallel_tool_calls: false }).warnings).toEqual([
      "parallel_tool_calls dropped: gemini cannot limit the model to one function call",
    ]);
  });

  it("maps sampling, length, stop, n, seed and penalties into generationConfig", () => {
    const { body, warnings } = build({
      messages: hello,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: ["END", "STOP"],
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
    });
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
      maxOutputTokens: 200,
      stopSequences: ["END", "STOP"],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
    });
    expect(warnings).toEqual([]);
    expect(build({ messages: hello, stop: "END" }).body.generationConfig).toEqual({ stopSequences: ["END"] });
  });

  it("implements JSON mode with responseMimeType and json_schema with responseSchema", () => {
    expect(build({ messages: hello, response_format: { type: "json_object" } }).body.generationConfig).toEqual({ responseMimeType: "application/json" });
    const schema = build({
      messages: hello,
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false } },
      },
    });
    expect(schema.body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { answer: { type: "STRING" } }, required: ["answer"] },
    });
    expect(build({ messages: hello, response_format: { type: "text" } }).body).not.toHaveProperty("generationConfig");
  });

  it("drops what Gemini cannot do, with one warning each", () => {
    const { body, warnings } = build({ messages: hello, user: "user-42", logit_bias: { "1": 2 }, tool_choice: "required" });
    expect(body).not.toHaveProperty("generationConfig");
    expect(warnings).toEqual([
      "tool_choice dropped: the request has no tools",
      "user dropped: not supported by gemini",
      "logit_bias dropped: not supported by gemini",
    ]);
  });
});

describe("gemini buildRequest: reasoning", () => {
  const on = (model: string, request: Record<string, unknown>) => build({ messages: hello, ...request } as never, false, { ...deployment, model });

  it("Gemini 2.5: reasoning_effort or a thinking budget becomes thinkingBudget in the model's range, with includeThoughts", () => {
    expect(on("gemini-2.5-flash", { reasoning_effort: "low" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(on("gemini-2.5-pro", { reasoning_effort: "high" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 4096, includeThoughts: true });
    expect(on("gemini-2.5-flash", { thinking: { type: "enabled", budget_tokens: 100000 } }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(on("gemini-2.5-flash-lite", { thinking: { type: "enabled", budget_tokens: 100 } }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 512, includeThoughts: true });
    const built = on("gemini-2.5-flash", { reasoning_effort: "medium" });
    expect(built.warnings).toEqual([]);
  });

  it("Gemini 2.5: none stops Flash thinking (budget 0); Pro cannot stop, so its minimum, with a warning", () => {
    expect(on("gemini-2.5-flash", { reasoning_effort: "none" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
    const pro = on("gemini-2.5-pro", { thinking: { type: "disabled" } });
    expect(pro.body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 128 });
    expect(pro.warnings.join("\n")).toMatch(/cannot stop thinking/);
  });

  it("Gemini 3: a level (Pro low or high, Flash minimal to high), a budget read as its effort", () => {
    expect(on("gemini-3-pro-preview", { reasoning_effort: "low" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: "low", includeThoughts: true });
    expect(on("gemini-3-pro-preview", { reasoning_effort: "medium" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: "low", includeThoughts: true });
    expect(on("gemini-3-flash-preview", { reasoning_effort: "medium" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: "medium", includeThoughts: true });
    expect(on("gemini-3-pro-preview", { thinking: { type: "enabled", budget_tokens: 8000 } }).body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: "high", includeThoughts: true });
    expect(on("gemini-3-flash-preview", { reasoning_effort: "minimal" }).body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: "minimal", includeThoughts: true });
  });

  it("a model that does not think gets no thinkingConfig, with a warning; a request asking nothing gets none and no warning", () => {
    const old = on("gemini-2.0-flash", { reasoning_effort: "high" });
    expect(old.body.generationConfig?.thinkingConfig).toBeUndefined();
    expect(old.warnings).toEqual(['reasoning_effort "high" dropped: gemini model gemini-2.0-flash does not think']);
    const plain = on("gemini-2.5-flash", {});
    expect(plain.body.generationConfig?.thinkingConfig).toBeUndefined();
    expect(plain.warnings).toEqual([]);
  });

  it("sends Gemini's own thought signature back on the turn's first function call (or its text), and never another provider's", () => {
    const history = (signature: string, toolCalls: boolean) => [
      { role: "user", content: "go" },
      {
        role: "assistant",
        content: toolCalls ? null : "Done.",
        thinking_blocks: [{ type: "thinking", thinking: "hm", signature }],
        ...(toolCalls ? { tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }, { id: "2", type: "function", function: { name: "g", arguments: "{}" } }] } : {}),
      },
      ...(toolCalls ? [{ role: "tool", tool_call_id: "1", content: "a" }, { role: "tool", tool_call_id: "2", content: "b" }] : [{ role: "user", content: "Again" }]),
    ];
    const signed = build({ messages: history("gemini:R0VNSU5J", true) as never });
    expect(signed.body.contents[1]!.parts).toEqual([{ functionCall: { name: "f", args: {} }, thoughtSignature: "R0VNSU5J" }, { functionCall: { name: "g", args: {} } }]);
    const text = build({ messages: history("gemini:R0VNSU5J", false) as never });
    expect(text.body.contents[1]!.parts).toEqual([{ text: "Done.", thoughtSignature: "R0VNSU5J" }]);
    // An Anthropic signature is not Gemini's: the placeholder goes instead.
    const foreign = build({ messages: history("EqQBCkYIARgCKkA", true) as never });
    expect(foreign.body.contents[1]!.parts[0]).toEqual({ functionCall: { name: "f", args: {} }, thoughtSignature: placeholderThoughtSignature });
    expect(JSON.stringify(foreign.body)).not.toContain("EqQBCkYIARgCKkA");
  });
});
