import { describe, expect, it } from "vitest";
import { cohereErrorBody } from "../../../test/fakes/cohere-upstream.ts";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { cohere } from "./index.ts";

describe("cohere mapError", () => {
  it.each([
    [400, 400, "invalid_request_error", false],
    [401, 401, "authentication_error", false],
    [402, 402, "permission_error", false],
    [404, 404, "not_found_error", false],
    [422, 422, "invalid_request_error", false],
    [429, 429, "rate_limit_error", true],
    [498, 401, "authentication_error", false],
    [500, 500, "upstream_error", true],
    [503, 503, "upstream_error", true],
    [504, 504, "timeout_error", true],
  ] as const)("HTTP %i -> %i %s", (status, expectedStatus, expectedType, retryable) => {
    const error = cohere.mapError(status, cohereErrorBody(status), new Headers());
    expect(error).toMatchObject({ status: expectedStatus, type: expectedType, retryable });
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("keeps Cohere's explanation of a bad request", () => {
    const error = cohere.mapError(400, JSON.stringify({ id: "x", message: "invalid request: stop_sequences may contain at most 5 items" }), new Headers());
    expect(error.message).toBe("invalid request: stop_sequences may contain at most 5 items");
  });

  it("says an invalid key is gw's provider key, and reads retry-after on 429", () => {
    expect(cohere.mapError(401, cohereErrorBody(401), new Headers()).message).toMatch(/rejected gw's provider API key/);
    const limited = cohere.mapError(429, cohereErrorBody(429), new Headers({ "retry-after": "20" }));
    expect(limited.retryAfterMs).toBe(20_000);
    expect(limited.message).toContain("Trial key");
  });
});
