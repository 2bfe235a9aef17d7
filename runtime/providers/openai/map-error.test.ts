import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { openai } from "./index.ts";
import { redactSecrets } from "./map-error.ts";

const fixture = readFileSync(new URL("./__fixtures__/reasoning-model-legacy-parameter-error.json", import.meta.url), "utf8");

function body(message: string, type: string, code: string | null = null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, code, param } });
}

describe("openai mapError", () => {
  it("keeps a 400's message, param and code (recorded fixture)", () => {
    const error = openai.mapError(400, fixture, new Headers());
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      param: "max_tokens",
      code: "unsupported_parameter",
      retryable: false,
    });
    expect(error.message).toContain("Use 'max_completion_tokens' instead");
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("says a 401 is gw's provider key and never echoes it", () => {
    const upstream = body("Incorrect API key provided: sk-proj-abcd****************wxyz. You can find your API key at ...", "invalid_request_error", "invalid_api_key");
    const error = openai.mapError(401, upstream, new Headers());
    expect(error).toMatchObject({ status: 401, type: "authentication_error", retryable: false });
    expect(error.message).toMatch(/gw's provider API key/);
    expect(error.message).not.toMatch(/sk-/);
    expect(JSON.stringify(error.toJSON())).not.toContain("abcd");
  });

  it("maps 429 with retry-after-ms, then retry-after", () => {
    const upstream = body("Rate limit reached for gpt-4o", "requests", "rate_limit_exceeded");
    const withMs = openai.mapError(429, upstream, new Headers({ "retry-after-ms": "1500", "retry-after": "9" }));
    expect(withMs).toMatchObject({ status: 429, type: "rate_limit_error", retryable: true, retryAfterMs: 1500, code: "rate_limit_exceeded" });
    expect(withMs.message).toContain("Rate limit reached for gpt-4o");
    expect(openai.mapError(429, upstream, new Headers({ "retry-after": "2" })).retryAfterMs).toBe(2000);
    expect(openai.mapError(429, upstream, new Headers()).retryAfterMs).toBeUndefined();
  });

  it.each([500, 502, 503, 504])("maps %i to a retryable upstream error", (status) => {
    const error = openai.mapError(status, body("The server had an error while processing your request.", "server_error"), new Headers());
    expect(error).toMatchObject({ status, type: "upstream_error", retryable: true });
    expect(error.message).toContain("The server had an error");
  });

  it("maps 404 (model not found upstream) and keeps the explanation", () => {
    const error = openai.mapError(404, body("The model `gpt-9` does not exist", "invalid_request_error", "model_not_found"), new Headers());
    expect(error).toMatchObject({ status: 404, type: "not_found_error", code: "model_not_found", retryable: false });
  });

  it("handles bodies that are not JSON", () => {
    const error = openai.mapError(502, "<html><body>Bad Gateway</body></html>", new Headers());
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(error.message).toBe("The openai upstream failed (HTTP 502).");
    const client = openai.mapError(400, "oops", new Headers());
    expect(client.message).toContain("HTTP 400");
  });

  it("reads the error shapes of compatible servers (Ollama, vLLM)", () => {
    expect(openai.mapError(404, JSON.stringify({ error: "model 'llama9' not found" }), new Headers()).message).toBe("model 'llama9' not found");
    expect(openai.mapError(400, JSON.stringify({ object: "error", message: "max_tokens too large", type: "BadRequestError", code: 400 }), new Headers())).toMatchObject({
      message: "max_tokens too large",
      code: "400",
    });
  });

  it("redacts key-like strings in forwarded messages", () => {
    expect(redactSecrets("key sk-ant-api03-AAAABBBB is bad, Bearer abc.def")).toBe("key [redacted] is bad, [redacted]");
    const error = openai.mapError(400, body("bad header sk-live-1234567890", "invalid_request_error"), new Headers());
    expect(error.message).not.toContain("1234567890");
  });
});
