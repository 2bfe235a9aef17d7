import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { ollama } from "./index.ts";

const notFound = readFileSync(new URL("./__fixtures__/ollama-model-not-found.json", import.meta.url), "utf8");

describe("ollama mapError", () => {
  it("says to pull a model Ollama does not have (404)", () => {
    const error = ollama.mapError(404, notFound, new Headers());
    expect(error).toMatchObject({ status: 404, type: "not_found_error", code: "model_not_found", retryable: false });
    expect(error.message).toContain('model "llama9" not found, try pulling it first.');
    expect(error.message).toContain("ollama pull");
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("points at the baseUrl for a 404 that is not Ollama's", () => {
    const error = ollama.mapError(404, "404 page not found", new Headers());
    expect(error).toMatchObject({ status: 404, type: "not_found_error" });
    expect(error.message).toContain("Check the deployment's baseUrl");
  });

  it("keeps a 400's explanation", () => {
    const error = ollama.mapError(400, JSON.stringify({ error: "registry.ollama.ai/library/gemma:2b does not support tools" }), new Headers());
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message: "registry.ollama.ai/library/gemma:2b does not support tools", retryable: false });
  });

  it("maps a busy server (503) and runner failures (500) as retryable", () => {
    expect(ollama.mapError(503, JSON.stringify({ error: "server busy, please try again.  maximum pending requests exceeded" }), new Headers({ "retry-after": "1" }))).toMatchObject({
      status: 503,
      retryable: true,
      retryAfterMs: 1000,
    });
    expect(ollama.mapError(500, JSON.stringify({ error: "llama runner process has terminated" }), new Headers())).toMatchObject({ status: 500, retryable: true });
  });
});
