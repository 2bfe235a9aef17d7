/** Responses API requests read as chat requests (responses-request.ts, responses-input.ts). */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import { encodeThinkingBlocks } from "./responses-reasoning.ts";
import { parseResponsesRequest, turnOf } from "./responses-request.ts";

function parse(body: Record<string, unknown>): ChatCompletionRequest {
  const chat = parseResponsesRequest({ model: "chat", ...body });
  if (chat instanceof GatewayError) throw new Error(`refused: ${chat.message}`);
  return chat;
}

function refusal(body: Record<string, unknown>): GatewayError {
  const refused = parseResponsesRequest({ model: "chat", ...body });
  if (!(refused instanceof GatewayError)) throw new Error("accepted");
  expect(refused.status).toBe(400);
  return refused;
}

const weatherTool = { type: "function", name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: true };

describe("parseResponsesRequest", () => {
  it("makes a string input one user message after the instructions' system message", () => {
    expect(parse({ input: "Hi", instructions: "Be brief." })).toEqual({
      model: "chat",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
  });

  it("maps the settings chat shares: max_output_tokens as max_completion_tokens, reasoning.effort, text.format, sampling, user", () => {
    const chat = parse({
      input: "Hi",
      max_output_tokens: 300,
      temperature: 0.3,
      top_p: 0.9,
      user: "u-1",
      reasoning: { effort: "low", summary: "auto" },
      text: { format: { type: "json_schema", name: "city", schema: { type: "object", properties: { name: { type: "string" } } }, strict: true } },
      truncation: "auto",
      include: ["reasoning.encrypted_content"],
      store: false,
      stream: true,
      parallel_tool_calls: false,
    });
    expect(chat).toMatchObject({
      max_completion_tokens: 300,
      temperature: 0.3,
      top_p: 0.9,
      user: "u-1",
      reasoning_effort: "low",
      response_format: { type: "json_schema", json_schema: { name: "city", schema: { type: "object", properties: { name: { type: "string" } } }, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
    });
    // Without tools, OpenAI's chat refuses parallel_tool_calls; `store` is the Responses API's, never chat's.
    expect(chat).not.toHaveProperty("parallel_tool_calls");
    expect(chat).not.toHaveProperty("store");
    expect(parse({ input: "Hi", text: { format: { type: "json_object" } } }).response_format).toEqual({ type: "json_object" });
    expect(parse({ input: "Hi", text: { format: { type: "text" } } })).not.toHaveProperty("response_format");
  });

  it("turns flat function tools into chat's, with tool_choice", () => {
    const chat = parse({ input: "Weather in Paris?", tools: [weatherTool], tool_choice: { type: "function", name: "get_weather" }, parallel_tool_calls: false });
    expect(chat.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: weatherTool.parameters, strict: true } }]);
    expect(chat.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(chat.parallel_tool_calls).toBe(false);
    expect(parse({ input: "x", tools: [weatherTool], tool_choice: "required" }).tool_choice).toBe("required");
    // The echo keeps the Responses shape.
    expect(turnOf(chat).echo.tools).toEqual([weatherTool]);
  });

  it("converts a tool-call round trip: function_call items merged into one assistant message, outputs as tool messages", () => {
    const chat = parse({
      input: [
        { role: "user", content: [{ type: "input_text", text: "Weather in Paris and Rome?" }] },
        { type: "message", id: "msg_1", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
        { type: "function_call", id: "fc_2", call_id: "call_2", name: "get_weather", arguments: '{"city":"Rome"}', status: "completed" },
        { type: "function_call_output", call_id: "call_1", output: "18C" },
        { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "21C" }] },
      ],
      tools: [weatherTool],
    });
    expect(chat.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18C" },
      { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "21C" }] },
    ]);
  });

  it("gives a reasoning item to the assistant turn after it: summary as reasoning_content, gw's encrypted content as thinking_blocks", () => {
    const blocks = [{ type: "thinking" as const, thinking: "Paris first.", signature: "sig-1" }];
    const chat = parse({
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Paris first." }], encrypted_content: encodeThinkingBlocks(blocks) },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "18C" },
        // OpenAI's own encrypted content means nothing to chat models: its summary still counts.
        { type: "reasoning", id: "rs_2", summary: [{ type: "summary_text", text: "Answer now." }], encrypted_content: "gAAAAB-openai" },
        { role: "assistant", content: "18C in Paris." },
      ],
    });
    expect(chat.messages[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
      reasoning_content: "Paris first.",
      thinking_blocks: blocks,
    });
    expect(chat.messages[3]).toEqual({ role: "assistant", content: "18C in Paris.", reasoning_content: "Answer now." });
  });

  it("maps images and inline PDFs to chat parts; system and developer messages keep their role", () => {
    const chat = parse({
      input: [
        { role: "developer", content: [{ type: "input_text", text: "Rules." }] },
        {
          role: "user",
          content: [
            { type: "input_image", image_url: "https://example.com/cat.png", detail: "low" },
            { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            { type: "input_file", filename: "b.pdf", file_data: "JVBERi0=" },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: "developer", content: "Rules." },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "b.pdf" } },
        ],
      },
    ]);
  });

  it("keeps what chat cannot carry as the untranslatable 400 naming the field, and the client's body for a native deployment", () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ input: "x", tools: [{ type: "web_search" }] }, "tools[0].type", "only function tools"],
      [{ input: "x", tools: [weatherTool], tool_choice: { type: "web_search_preview" } }, "tool_choice", "function"],
      [{ input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] }, "input[0].content[0].file_id", "file ids"],
      [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }] }] }, "input[0].content[0].file_data", "file ids"],
      [{ input: [{ type: "web_search_call", id: "ws_1" }] }, "input[0].type", "not supported"],
      [{ input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image", image_url: "https://x" }] }] }, "input[0].output[0].type", "as text"],
      [{ input: "x", background: true }, "background", "Background mode"],
      [{ input: "x", prompt: { id: "pmpt_1" } }, "prompt", "Prompt templates"],
      [{ input: "x", include: ["message.output_text.logprobs"] }, "include[0]", "Log probabilities"],
      [{ input: "x", include: ["web_search_call.future_field"] }, "include[0]", "OpenAI or Azure"],
      [{ input: "x", reasoning: { effort: "low", mode: "x" } }, "reasoning.mode", "reasoning.effort"],
      [{ input: "x", frobnicate: 1 }, "frobnicate", "Unknown parameter"],
    ];
    for (const [body, param, says] of cases) {
      const chat = parse(body);
      const native = turnOf(chat).native;
      expect(native.untranslatable?.param, JSON.stringify(body)).toBe(param);
      expect(native.untranslatable?.status).toBe(400);
      expect(native.untranslatable?.message).toContain(says);
      expect(native.body).toEqual({ model: "chat", ...body });
    }
    expect(turnOf(parse({ input: "x", frobnicate: 1 })).native.untranslatable?.code).toBe("unknown_parameter");
    // The first problem is the one named; the rest of the request is still read.
    const both = parse({ input: "x", tools: [{ type: "file_search" }, weatherTool], background: true });
    expect(turnOf(both).native.untranslatable).toMatchObject({ code: "unsupported_parameter", param: "background" });
    expect(both.tools).toEqual([expect.objectContaining({ function: expect.objectContaining({ name: "get_weather" }) })]);
    // Items chat cannot carry: gw's estimates read their JSON as one user message.
    const items = [{ type: "web_search_call", id: "ws_1", status: "completed" }, { role: "user", content: "And?" }];
    expect(parse({ input: items }).messages).toEqual([{ role: "user", content: JSON.stringify(items) }]);
    expect(turnOf(parse({ input: "x", tools: [weatherTool] })).native.untranslatable).toBeNull();
  });

  it("refuses a malformed request whatever the deployment", () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{}, "input", "input"],
      [{ input: [] }, "input", "empty"],
      [{ input: "x", max_output_tokens: 0 }, "max_output_tokens", "positive"],
      [{ input: "x", truncation: "sometimes" }, "truncation", "auto"],
      [{ input: [{ role: "robot", content: "x" }] }, "input[0].role", "user"],
    ];
    for (const [body, param, says] of cases) {
      const refused = refusal(body);
      expect(refused.param, JSON.stringify(body)).toBe(param);
      expect(refused.message).toContain(says);
    }
  });

  it("keeps gw's own fields and metadata tags out of the native body", () => {
    const chat = parse({ input: "x", mock_response: "hi", num_retries: 2, metadata: { tags: ["a"], team: "search" } });
    expect(turnOf(chat).native.body).toEqual({ model: "chat", input: "x", mock_response: undefined, num_retries: undefined, fallbacks: undefined, api_key: undefined, api_base: undefined, base_url: undefined, caching: undefined, cache: undefined, metadata: { team: "search" } });
    expect(turnOf(parse({ input: "x", metadata: { team: "search" } })).native.body).toEqual({ model: "chat", input: "x", metadata: { team: "search" } });
  });

  it("leaves item references to be read from the store (responses.ts), converting the rest", () => {
    const chat = parse({ input: [{ type: "item_reference", id: "msg_x_1_0" }, { role: "user", content: "And then?" }] });
    expect(chat.messages).toEqual([{ role: "user", content: "And then?" }]);
    expect(turnOf(chat).references).toEqual(["msg_x_1_0"]);
    expect(refusal({ input: [{ type: "item_reference" }] }).param).toBe("input[0].id");
  });

  it("accepts the fields that ask for nothing gw lacks, and passes gw's own fields on", () => {
    const chat = parse({ input: "x", background: false, top_logprobs: 0, prompt: null, stream_options: { include_obfuscation: false }, metadata: { tags: ["a"] }, mock_response: "hi", prompt_cache_key: "k" });
    expect(chat).toMatchObject({ metadata: { tags: ["a"] }, mock_response: "hi", prompt_cache_key: "k" });
    expect(chat).not.toHaveProperty("background");
    expect(chat).not.toHaveProperty("stream_options");
  });
});
