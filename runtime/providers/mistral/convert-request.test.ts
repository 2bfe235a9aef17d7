import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ResolvedDeployment } from "../types.ts";
import { mistral } from "./index.ts";
import { deriveMistralToolCallId } from "./tool-call-ids.ts";

const deployment: ResolvedDeployment = testDeployment({
  provider: "mistral",
  model: "mistral-small-latest",
  baseUrl: "https://api.mistral.ai/v1",
  apiKey: "mistral-key-123",
});

const weatherTool = { type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } } };

async function build(input: ChatCompletionRequest, stream = false) {
  const converted = await mistral.buildRequest(input, deployment, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Record<string, unknown> };
}

describe("mistral buildRequest", () => {
  it("posts to {baseUrl}/chat/completions with a bearer key and the deployment's model", async () => {
    const { upstream, body, warnings } = await build({ model: "small", messages: [{ role: "user", content: "Hi" }], temperature: 0.3 });
    expect(upstream.url).toBe("https://api.mistral.ai/v1/chat/completions");
    expect(upstream.headers.authorization).toBe("Bearer mistral-key-123");
    expect(body).toEqual({ model: "mistral-small-latest", messages: [{ role: "user", content: "Hi" }], temperature: 0.3 });
    expect(warnings).toEqual([]);
  });

  it("renames seed, max_completion_tokens and tool_choice required, and passes safe_prompt", async () => {
    const { body, warnings } = await build({
      model: "small",
      messages: [{ role: "user", content: "Hi" }],
      seed: 42,
      max_completion_tokens: 100,
      tools: [weatherTool],
      tool_choice: "required",
      safe_prompt: true,
      parallel_tool_calls: false,
      response_format: { type: "json_object" },
      stop: ["\n\n"],
    });
    expect(body).toMatchObject({
      random_seed: 42,
      max_tokens: 100,
      tool_choice: "any",
      safe_prompt: true,
      parallel_tool_calls: false,
      response_format: { type: "json_object" },
      stop: ["\n\n"],
      tools: [weatherTool],
    });
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("max_completion_tokens");
    expect(warnings).toEqual([]);
  });

  it("keeps a named tool_choice and sends system for developer messages", async () => {
    const { body } = await build({
      model: "small",
      messages: [{ role: "developer", content: "Be brief." }, { role: "user", content: "Hi" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "weather" } },
    });
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "weather" } });
    expect((body.messages as unknown[])[0]).toEqual({ role: "system", content: "Be brief." });
  });

  it("drops parameters Mistral does not accept, one warning each", async () => {
    const { body, warnings } = await build({
      model: "small",
      messages: [{ role: "user", content: "Hi", name: "ann" }],
      logit_bias: { "50256": -100 },
      logprobs: true,
      top_logprobs: 2,
      user: "u-1",
      stream_options: { include_usage: true },
    });
    expect(body).not.toHaveProperty("logit_bias");
    expect(body).not.toHaveProperty("logprobs");
    expect(body).not.toHaveProperty("user");
    expect(body).not.toHaveProperty("stream_options");
    expect((body.messages as Array<Record<string, unknown>>)[0]).toEqual({ role: "user", content: "Hi" });
    expect(warnings).toEqual([
      "logit_bias dropped: not supported by mistral",
      "logprobs dropped: not supported by mistral",
      "top_logprobs dropped: not supported by mistral",
      "user dropped: not supported by mistral",
      "messages[].name dropped: not supported by mistral",
    ]);
  });

  it("maps foreign tool-call ids to valid Mistral ids, consistently, and names tool results", async () => {
    const openAIId = "call_00_9V0vrf86Pc9aelHCJMZqnJBo";
    const anthropicId = "toolu_01A09q90qw90lq917835lq9";
    const { body } = await build({
      model: "small",
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: openAIId, type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } },
            { id: anthropicId, type: "function", function: { name: "weather", arguments: '{"location":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: openAIId, content: "18C" },
        { role: "tool", tool_call_id: anthropicId, content: "24C" },
        { role: "assistant", content: "Done", tool_calls: [{ id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "gSIMJiOkT", content: "n/a" },
      ],
      tools: [weatherTool],
    });
    const messages = body.messages as Array<Record<string, unknown>>;
    const calls = messages[1]!.tool_calls as Array<{ id: string }>;
    for (const call of calls) expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(calls[0]!.id).toBe(deriveMistralToolCallId(openAIId));
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    expect(messages[2]).toEqual({ role: "tool", content: "18C", tool_call_id: calls[0]!.id, name: "weather" });
    expect(messages[3]).toMatchObject({ tool_call_id: calls[1]!.id });
    // Ids Mistral issued itself are kept.
    expect((messages[4]!.tool_calls as Array<{ id: string }>)[0]!.id).toBe("gSIMJiOkT");
    expect(messages[5]).toMatchObject({ tool_call_id: "gSIMJiOkT" });
    expect(messages[1]!.content).toBeNull();
  });

  it("streams with stream: true and no stream_options", async () => {
    const { body, upstream } = await build({ model: "small", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } }, true);
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty("stream_options");
    expect(upstream.headers.accept).toBe("text/event-stream");
  });

  it("rejects malformed tool calls and unknown roles with a 400", async () => {
    await expect(
      build({ model: "small", messages: [{ role: "assistant", content: null, tool_calls: [{ id: 5 } as never] }] }),
    ).rejects.toMatchObject({ status: 400, param: "messages[0].tool_calls[0]" });
    await expect(build({ model: "small", messages: [{ role: "critic", content: "x" } as never] })).rejects.toMatchObject({ status: 400, param: "messages[0].role" });
    await expect(build({ model: "small", messages: [{ role: "user", content: "x" }], tool_choice: "sometimes" as never })).rejects.toMatchObject({ status: 400, param: "tool_choice" });
  });
});
