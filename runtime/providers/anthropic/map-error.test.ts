import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { anthropic } from "./index.ts";

function body(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" });
}

describe("anthropic mapError", () => {
  it.each([
    [400, "invalid_request_error", 400, "invalid_request_error", false],
    [401, "authentication_error", 401, "authentication_error", false],
    [403, "permission_error", 403, "permission_error", false],
    [404, "not_found_error", 404, "not_found_error", false],
    [413, "request_too_large", 413, "invalid_request_error", false],
    [429, "rate_limit_error", 429, "rate_limit_error", true],
    [500, "api_error", 500, "upstream_error", true],
    [529, "overloaded_error", 503, "upstream_error", true],
  ] as const)("HTTP %i %s -> %i %s", (status, anthropicType, expectedStatus, expectedType, retryable) => {
    const error = anthropic.mapError(status, body(anthropicType, "Something happened."), new Headers());
    expect(error).toMatchObject({ status: expectedStatus, type: expectedType, retryable });
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("keeps the explanation of an invalid request", () => {
    const error = anthropic.mapError(400, body("invalid_request_error", "max_tokens: 100000 > 64000, which is the maximum allowed"), new Headers());
    expect(error.message).toBe("max_tokens: 100000 > 64000, which is the maximum allowed");
    expect(error.code).toBe("invalid_request_error");
  });

  it("says a 401 is gw's provider key being rejected, without echoing anything", () => {
    const error = anthropic.mapError(401, body("authentication_error", "invalid x-api-key sk-ant-api03-secret"), new Headers());
    expect(error.message).toMatch(/rejected gw's provider API key/);
    expect(error.message).not.toContain("sk-ant");
  });

  it("reads retry-after on 429 and 529", () => {
    expect(anthropic.mapError(429, body("rate_limit_error", "Slow down"), new Headers({ "retry-after": "7" })).retryAfterMs).toBe(7000);
    expect(anthropic.mapError(529, body("overloaded_error", "Overloaded"), new Headers({ "retry-after": "1" })).retryAfterMs).toBe(1000);
  });

  it("handles a body that is not JSON (e.g. Cloudflare's 413 page)", () => {
    const error = anthropic.mapError(413, "<html>413 Request Entity Too Large</html>", new Headers());
    expect(error).toMatchObject({ status: 413, type: "invalid_request_error", retryable: false });
    expect(error.message).toContain("HTTP 413");
    expect(anthropic.mapError(502, "Bad Gateway", new Headers())).toMatchObject({ status: 502, retryable: true });
  });
});
