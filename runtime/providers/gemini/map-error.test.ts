import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { gemini } from "./index.ts";

function googleError(code: number, status: string, message: string, details: unknown[] = []): string {
  return JSON.stringify({ error: { code, message, status, details } });
}

describe("gemini mapError", () => {
  it("google-429-retry-info: a retryable 429 that waits as long as RetryInfo says", () => {
    const body = readFileSync(new URL("./__fixtures__/google-429-retry-info.json", import.meta.url), "utf8");
    const error = gemini.mapError(429, body, new Headers());
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error", code: "RESOURCE_EXHAUSTED", retryable: true, retryAfterMs: 34_400 });
    expect(error.message).toContain("You exceeded your current quota");
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("falls back to Retry-After when there is no RetryInfo", () => {
    expect(gemini.mapError(429, googleError(429, "RESOURCE_EXHAUSTED", "Slow down"), new Headers({ "retry-after": "3" })).retryAfterMs).toBe(3000);
  });

  it.each([
    [400, "INVALID_ARGUMENT", 400, "invalid_request_error", false],
    [400, "FAILED_PRECONDITION", 400, "invalid_request_error", false],
    [403, "PERMISSION_DENIED", 403, "permission_error", false],
    [404, "NOT_FOUND", 404, "not_found_error", false],
    [500, "INTERNAL", 500, "upstream_error", true],
    [503, "UNAVAILABLE", 503, "upstream_error", true],
    [504, "DEADLINE_EXCEEDED", 504, "timeout_error", true],
  ] as const)("HTTP %i %s -> %i %s", (status, googleStatus, expectedStatus, expectedType, retryable) => {
    const error = gemini.mapError(status, googleError(status, googleStatus, "Something happened."), new Headers());
    expect(error).toMatchObject({ status: expectedStatus, type: expectedType, retryable, code: googleStatus });
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("keeps the explanation of an invalid request for the caller", () => {
    const message = "* GenerateContentRequest.contents: contents is not specified";
    expect(gemini.mapError(400, googleError(400, "INVALID_ARGUMENT", message), new Headers()).message).toBe(message);
  });

  it("treats a rejected API key (Gemini answers 400 API_KEY_INVALID) as a 401 that echoes nothing", () => {
    const body = googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key. AIzaSyA-abcdefghijklmnopqrstuvwxyz12345", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
    ]);
    const error = gemini.mapError(400, body, new Headers());
    expect(error).toMatchObject({ status: 401, type: "authentication_error", code: "upstream_authentication_failed", retryable: false });
    expect(error.message).not.toContain("AIza");
    expect(gemini.mapError(401, googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), new Headers()).status).toBe(401);
  });

  it("redacts Google keys and tokens from messages it forwards", () => {
    const error = gemini.mapError(400, googleError(400, "INVALID_ARGUMENT", "bad ya29.a0AfB_secret-token value"), new Headers());
    expect(error.message).not.toContain("ya29.a0AfB");
  });

  it("reads an error wrapped in an array, and handles a body that is not JSON", () => {
    const wrapped = JSON.stringify([{ error: { code: 429, message: "Quota", status: "RESOURCE_EXHAUSTED" } }]);
    expect(gemini.mapError(429, wrapped, new Headers())).toMatchObject({ status: 429, code: "RESOURCE_EXHAUSTED" });
    const html = gemini.mapError(502, "<html>Bad Gateway</html>", new Headers());
    expect(html).toMatchObject({ status: 502, retryable: true });
    expect(html.message).toContain("HTTP 502");
  });
});
