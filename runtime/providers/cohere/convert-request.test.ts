import { describe, expect, it } from "vitest";
import { createCohereDialect } from "../../../test/fakes/cohere-upstream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { rejectedGatewayError } from "../../testing/thrown-gateway-error.ts";
import type { ResolvedDeployment } from "../types.ts";
import { cohere } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "command/0",
  provider: "cohere",
  model: "command-a-03-2025",
  baseUrl: "https://api.cohere.com",
  apiKey: "co-test-key",
});

type Body = Record<string, unknown> & { messages: Array<Record<string, unknown>> };

async function build(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }, stream = false) {
  const converted = await cohere.buildRequest({ model: "command", ...request }, deployment, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Body };
}

function buildError(request: Partial<ChatCompletionRequest> & { messages: ChatMessage[] }): Promise<GatewayError> {
  return rejectedGatewayError(() => build(request));
}

/** Cohere's own checks (as the fake upstream performs them): null when Cohere would accept the body. */
function cohereWouldReject(body: unknown): string | null {
  return createCohereDialect().checkBody(body, JSON.stringify(body))?.body ?? null;
}

const hello: ChatMessage[] = [{ role: "user", content: "Hello" }];
const weather = { type: "function" as const, function: { name: "weather", description: "Get the weather", parameters: { type: "object", properties: { location: { type: "string" } } } } };

describe("cohere buildRequest", () => {
  it("posts to /v2/chat with a bearer key, the model and stream flag in the body", async () => {
    const { upstream, body } = await build({ messages: hello }, true);
    expect(upstream.url).toBe("https://api.cohere.com/v2/chat");
    expect(upstream.headers).toEqual({ "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer co-test-key" });
    expect(body).toEqual({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hello" }], stream: true });
    expect((await build({ messages: hello })).body.stream).toBe(false);
  });

  it("maps roles, images, tool calls (text as tool_plan) and tool results", async () => {
    const { body } = await build({
      tools: [weather],
      messages: [
        { role: "developer", content: [{ type: "text", text: "Be brief." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather where this photo was taken?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: "I will look it up.",
          tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "weather_1", content: [{ type: "text", text: "18C" }] },
        { role: "assistant", content: "It is 18C." },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather where this photo was taken?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
        ],
      },
      { role: "assistant", tool_plan: "I will look it up.", tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
      { role: "tool", tool_call_id: "weather_1", content: "18C" },
      { role: "assistant", content: "It is 18C." },
      { role: "user", content: "Thanks" },
    ]);
    expect(body.tools).toEqual([weather]);
    expect(cohereWouldReject(body)).toBeNull();
  });

  it("maps tool_choice: required -> REQUIRED, none -> NONE, auto -> default, a named function -> only that tool, REQUIRED", async () => {
    const other = { type: "function" as const, function: { name: "time", parameters: { type: "object" } } };
    expect((await build({ messages: hello, tools: [weather], tool_choice: "required" })).body.tool_choice).toBe("REQUIRED");
    expect((await build({ messages: hello, tools: [weather], tool_choice: "none" })).body.tool_choice).toBe("NONE");
    expect((await build({ messages: hello, tools: [weather], tool_choice: "auto" })).body).not.toHaveProperty("tool_choice");
    const named = await build({ messages: hello, tools: [weather, other], tool_choice: { type: "function", function: { name: "time" } } });
    expect(named.body.tools).toEqual([other]);
    expect(named.body.tool_choice).toBe("REQUIRED");
    expect(await buildError({ messages: hello, tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } })).toMatchObject({ status: 400, param: "tool_choice" });
    const strict = await build({ messages: hello, tools: [{ type: "function", function: { ...weather.function, strict: true } }] });
    expect(strict.body.strict_tools).toBe(true);
  });

  it("renames sampling parameters and keeps seed and penalties", async () => {
    const { body, warnings } = await build({
      messages: hello,
      max_completion_tokens: 300,
      temperature: 0.4,
      top_p: 0.8,
      stop: "END",
      seed: 7,
      frequency_penalty: 0.2,
      presence_penalty: 0.1,
    });
    expect(body).toMatchObject({ max_tokens: 300, temperature: 0.4, p: 0.8, stop_sequences: ["END"], seed: 7, frequency_penalty: 0.2, presence_penalty: 0.1 });
    expect(body).not.toHaveProperty("top_p");
    expect(warnings).toEqual([]);
    expect(cohereWouldReject(body)).toBeNull();
  });

  it("asks for JSON with response_format json_object or json_schema, but not together with tools", async () => {
    expect((await build({ messages: hello, response_format: { type: "json_object" } })).body.response_format).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    expect((await build({ messages: hello, response_format: { type: "json_schema", json_schema: { name: "city", schema } } })).body.response_format).toEqual({
      type: "json_object",
      json_schema: schema,
    });
    const withTools = await build({ messages: hello, tools: [weather], response_format: { type: "json_object" } });
    expect(withTools.body).not.toHaveProperty("response_format");
    expect(withTools.warnings).toContain("response_format dropped: cohere cannot combine a JSON response format with tools");
  });

  it("drops documents and other unsupported fields with a warning each, never forwarding them", async () => {
    const { body, warnings } = await build({
      messages: hello,
      documents: [{ data: { text: "gw is a gateway" } }],
      n: 2,
      logprobs: true,
      user: "u-1",
      parallel_tool_calls: false,
    });
    expect(warnings).toEqual([
      "documents dropped: gw's OpenAI-compatible API does not forward Cohere documents; put the text in the messages",
      "n=2 not supported by cohere: one choice is returned",
      "logprobs dropped: not supported by cohere",
      "user dropped: not supported by cohere",
      "parallel_tool_calls dropped: not supported by cohere",
    ]);
    expect(Object.keys(body).sort()).toEqual(["messages", "model", "stream"]);
    expect(cohereWouldReject(body)).toBeNull();
  });

  it("rejects what Cohere cannot take with a 400 naming the param", async () => {
    expect(await buildError({ messages: [] })).toMatchObject({ status: 400, param: "messages" });
    expect(await buildError({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] })).toMatchObject({
      status: 400,
      param: "messages[0].content[0].type",
    });
    expect(await buildError({ messages: hello, tools: [{ type: "web_search" } as never] })).toMatchObject({ status: 400, param: "tools[0]" });
  });
});
