/** /v1/messages through the app, translated to chat (fake provider): the Messages converters at the edge of chat's one path. */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway } from "../testing/test-gateway.ts";
import { createMessagesStreamEncoder, toAnthropicMessage } from "./messages-answer.ts";
import { nativeMessagesBody, parseMessagesRequest } from "./messages-request.ts";

const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["primary"], retries: 0 }] });
const hello = { model: "chat", max_tokens: 100, messages: [{ role: "user", content: "Say hello" }] };
const decoder = new TextDecoder();

/** The SSE events of a Messages stream, parsed. */
function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      return { event: eventLine!.slice("event: ".length), data: JSON.parse(dataLine!.slice("data: ".length)) as Record<string, unknown> };
    });
}

describe("parseMessagesRequest", () => {
  it("reads system, turns, tools, tool_choice, stop_sequences, thinking and metadata into the chat request they mean", () => {
    const chat = parseMessagesRequest({
      model: "chat",
      max_tokens: 2000,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }, { type: "text", text: "Be kind." }],
      stop_sequences: ["END"],
      temperature: 0.5,
      top_k: 40,
      metadata: { user_id: "cust-1" },
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: {} } }],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      messages: [
        { role: "user", content: [{ type: "text", text: "Look:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Hmm.", signature: "sig-1" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18C" }], is_error: false }, { type: "text", text: "And?" }] },
      ],
    });
    expect(chat).not.toBeInstanceOf(GatewayError);
    expect(chat).toMatchObject({
      model: "chat",
      max_tokens: 2000,
      stop: ["END"],
      temperature: 0.5,
      top_k: 40,
      user: "cust-1",
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: {} } } }],
      tool_choice: "required",
      parallel_tool_calls: false,
      messages: [
        { role: "system", content: [{ type: "text", text: "Be brief." }, { type: "text", text: "Be kind." }] },
        { role: "user", content: [{ type: "text", text: "Look:" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
          thinking_blocks: [{ type: "thinking", thinking: "Hmm.", signature: "sig-1" }],
          reasoning_content: "Hmm.",
        },
        { role: "tool", tool_call_id: "toolu_1", content: "18C" },
        { role: "user", content: [{ type: "text", text: "And?" }] },
      ],
    });
    // The client's own body rides along, not serialized.
    expect(JSON.stringify(chat)).not.toContain("cache_control");
    expect((chat as never as Record<symbol, { body: unknown }>)[nativeMessagesBody]?.body).toMatchObject({ system: [{ cache_control: { type: "ephemeral" } }, {}] });
  });

  it("refuses what Messages refuses, naming the field: no max_tokens, a system role in messages, unknown fields", () => {
    for (const [body, param] of [
      [{ model: "chat", messages: hello.messages }, "max_tokens"],
      [{ ...hello, messages: [{ role: "system", content: "x" }] }, "messages[0].role"],
      [{ ...hello, frequency_penalty: 1 }, "frequency_penalty"],
      [{ ...hello, messages: [] }, "messages"],
      [{ ...hello, tool_choice: { type: "sometimes" } }, "tool_choice.type"],
    ] as const) {
      const refused = parseMessagesRequest(body);
      expect(refused).toBeInstanceOf(GatewayError);
      expect((refused as GatewayError).status).toBe(400);
      expect((refused as GatewayError).param).toBe(param);
    }
  });

  it("keeps server tools and citations for a native deployment: the chat request leaves them out and the 400 for a translated one is kept", () => {
    const chat = parseMessagesRequest({ ...hello, tools: [{ type: "web_search_20250305", name: "web_search" }] });
    expect(chat).not.toBeInstanceOf(GatewayError);
    expect((chat as Record<string, unknown>).tools).toBeUndefined();
    const kept = (chat as never as Record<symbol, { untranslatable: GatewayError | null }>)[nativeMessagesBody];
    expect(kept?.untranslatable?.param).toBe("tools[0].type");
  });
});

describe("toAnthropicMessage", () => {
  it("writes thinking, text and tool_use blocks, the stop reason and Anthropic's disjoint usage", () => {
    const message = toAnthropicMessage(
      {
        id: "chatcmpl-abc",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Let me check.",
              refusal: null,
              tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
              reasoning_content: "Think",
              thinking_blocks: [{ type: "thinking", thinking: "Think", signature: "s" }],
            } as never,
            finish_reason: "tool_calls",
            logprobs: null,
          },
        ],
      },
      { inputTokens: 10, outputTokens: 5, cacheReadTokens: 3, cacheWriteTokens: 2, reasoningTokens: 0 },
    );
    expect(message).toEqual({
      id: "msg_abc",
      type: "message",
      role: "assistant",
      model: "m",
      content: [
        { type: "thinking", thinking: "Think", signature: "s" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
    });
  });
});

describe("createMessagesStreamEncoder", () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] }) as never;

  it("opens a block per run of reasoning, text and each tool call, and ends with message_delta (usage) and message_stop", () => {
    const encoder = createMessagesStreamEncoder();
    let text = "";
    const push = (value: Uint8Array | null): void => {
      if (value !== null) text += decoder.decode(value);
    };
    push(encoder.chunk(chunk({ role: "assistant", reasoning_content: "Hm" })));
    push(encoder.chunk(chunk({ thinking_blocks: [{ type: "thinking", thinking: "", signature: "sig" }] })));
    push(encoder.chunk(chunk({ content: "Hi" })));
    push(encoder.chunk(chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } }] })));
    push(encoder.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] })));
    push(encoder.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] })));
    push(encoder.chunk(chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }] })));
    push(encoder.chunk(chunk({}, "tool_calls")));
    push(encoder.chunk({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 2 } } } as never));
    push(encoder.end(undefined));
    const sequence = events(text);
    expect(sequence.map((event) => event.event)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const event of sequence) expect(event.data.type).toBe(event.event);
    expect(sequence[2]!.data).toEqual({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } });
    expect(sequence[4]!.data).toMatchObject({ index: 0, delta: { type: "signature_delta", signature: "sig" } });
    expect(sequence[9]!.data).toEqual({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "call_a", name: "f", input: {} } });
    expect(sequence[11]!.data).toMatchObject({ index: 2, delta: { type: "input_json_delta", partial_json: "1}" } });
    expect(sequence[13]!.data).toMatchObject({ index: 3, content_block: { id: "call_b", name: "g" } });
    expect(sequence[16]!.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 },
    });
  });

  it("writes a failure as Anthropic's error event", () => {
    const encoder = createMessagesStreamEncoder();
    const error = new GatewayError({ status: 529, type: "api_error", message: "Overloaded" });
    expect(events(decoder.decode(encoder.error(error)))).toEqual([{ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }]);
  });
});

describe("POST /v1/messages translated to chat", () => {
  it("answers a Message with the chat answer, priced and recorded like chat", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: answer("Hello!", 7, 3) } });
    const response = await gateway.post("/v1/messages", hello);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: "message", role: "assistant", content: [{ type: "text", text: "Hello!" }], stop_reason: "end_turn", usage: { input_tokens: 7, output_tokens: 3 } });
    expect(response.headers.get("x-gw-cost-usd")).not.toBeNull();
    expect(gateway.calls[0]?.body).toMatchObject({ messages: [{ role: "user", content: "Say hello" }] });
    await gateway.store.flush?.();
    expect(gateway.store.records.at(-1)).toMatchObject({ model: "chat", status: 200, inputTokens: 7, outputTokens: 3 });
  });

  it("streams Anthropic's event sequence, recorded with the stream's usage", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) } });
    const response = await gateway.post("/v1/messages", { ...hello, stream: true });
    expect(response.status).toBe(200);
    const sequence = events(await response.text());
    expect(sequence.map((event) => event.event)).toEqual(["message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(sequence[6]!.data).toMatchObject({ usage: { input_tokens: 7, output_tokens: 2 } });
    await gateway.store.flush?.();
    expect(gateway.store.records.at(-1)).toMatchObject({ status: 200, stream: true, inputTokens: 7, outputTokens: 2 });
  });

  it("answers gw's own errors and the upstream's in Anthropic's shape", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: failWith(429) } });
    const limited = await gateway.post("/v1/messages", hello);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    const missing = await gateway.post("/v1/messages", { ...hello, model: "nope" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const badJson = await gateway.post("/v1/messages", "{not json");
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});
