/**
 * The benchmark's upstream: one minimal server speaking three providers' non-streaming chat
 * endpoints (and OpenAI's Responses API), each answered with a fixed recorded body, doing as little work as possible (read the
 * request body, send a prebuilt string) so that it is never the bottleneck:
 *
 * - OpenAI `POST …/chat/completions`: test/fakes/fixtures/openai-text.json, a real 2.5 kB
 *   gpt-4.1-nano completion, unchanged;
 * - OpenAI `POST …/responses`: the recorded Response issue-20047-openai-responses.json;
 * - Anthropic `POST /v1/messages`: the recorded Message anthropic-text.json;
 * - Bedrock `POST /model/{modelId}/converse`: the recorded Converse body amazon-bedrock-text.json.
 *
 * Invariant: all three answers carry the same assistant text (the OpenAI recording's 1.9 kB
 * answer, put into the Anthropic and Bedrock recordings in place of their short replies), so
 * the routes differ only in the wire format gw translates, not in how much text it moves.
 * Neither the Anthropic key nor the Bedrock SigV4 signature is checked: the benchmark measures
 * what gw pays to build and sign requests, not what a fake pays to verify them.
 *
 * Prints `listening http://127.0.0.1:PORT` once ready.
 */
import { readFileSync } from "node:fs";

function readFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../test/fakes/fixtures/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

function fail(message: string): never {
  throw new Error(`bench/upstream.ts: ${message}`);
}

const openaiRecording = readFixture("openai-text") as { choices?: Array<{ message?: { content?: unknown } }> };
const answer = openaiRecording.choices?.[0]?.message?.content;
if (typeof answer !== "string") fail("openai-text.json has no choices[0].message.content string");

const anthropicRecording = readFixture("anthropic-text") as { content?: Array<{ type?: string; text?: unknown }> };
const anthropicText = anthropicRecording.content?.find((block) => block.type === "text");
if (anthropicText === undefined) fail("anthropic-text.json has no text block");
anthropicText.text = answer;

const bedrockRecording = readFixture("amazon-bedrock-text") as { output?: { message?: { content?: Array<{ text?: unknown }> } } };
const bedrockText = bedrockRecording.output?.message?.content?.find((block) => typeof block.text === "string");
if (bedrockText === undefined) fail("amazon-bedrock-text.json has no text block");
bedrockText.text = answer;

const responseRecording = readFixture("issue-20047-openai-responses") as { output?: Array<{ content?: Array<{ type?: string; text?: unknown }> }> };
const responseText = responseRecording.output?.[0]?.content?.find((part) => part.type === "output_text");
if (responseText === undefined) fail("issue-20047-openai-responses.json has no output_text part");
responseText.text = answer;

const completion = JSON.stringify(openaiRecording);
const responseBody = JSON.stringify(responseRecording);
const message = JSON.stringify(anthropicRecording);
const converse = JSON.stringify(bedrockRecording);
const headers = { "content-type": "application/json" };
const bedrockHeaders = { "content-type": "application/json", "x-amzn-requestid": "6f1c2a7e-bench-0000-0000-000000000000" };
const converseRoute = /^\/model\/[^/]+\/converse$/;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    if (request.method === "POST") {
      const url = request.url;
      if (url.endsWith("/chat/completions")) {
        await request.arrayBuffer();
        return new Response(completion, { headers });
      }
      if (url.endsWith("/v1/responses")) {
        await request.arrayBuffer();
        return new Response(responseBody, { headers });
      }
      if (url.endsWith("/v1/messages")) {
        await request.arrayBuffer();
        return new Response(message, { headers });
      }
      if (url.endsWith("/converse") && converseRoute.test(new URL(url).pathname)) {
        await request.arrayBuffer();
        return new Response(converse, { headers: bedrockHeaders });
      }
    }
    return new Response(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }), {
      status: 404,
      headers,
    });
  },
});
console.log(`listening ${server.url.href}`);
