/**
 * The benchmark's upstream: a minimal OpenAI Chat Completions server that answers every
 * `POST /v1/chat/completions` with the same recorded completion (test/fakes/fixtures/openai-text.json,
 * a real 2.5 kB gpt-4.1-nano answer), doing as little work as possible so that it is never the
 * bottleneck. Prints `listening http://127.0.0.1:PORT` once ready.
 */
import { readFileSync } from "node:fs";

const recorded = readFileSync(new URL("../test/fakes/fixtures/openai-text.json", import.meta.url), "utf8");
const completion = JSON.stringify(JSON.parse(recorded));
const headers = { "content-type": "application/json" };

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    if (request.method === "POST" && request.url.endsWith("/chat/completions")) {
      await request.arrayBuffer();
      return new Response(completion, { headers });
    }
    return new Response(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }), {
      status: 404,
      headers,
    });
  },
});
console.log(`listening ${server.url.href}`);
