import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { mistral } from "./index.ts";

describe("mistral mapError", () => {
  it("turns a 422's validation details into one readable message", () => {
    const body = JSON.stringify({
      object: "error",
      message: { detail: [{ type: "extra_forbidden", loc: ["body", "foo"], msg: "Extra inputs are not permitted", input: 1 }] },
      type: "invalid_request_error",
      param: null,
      code: null,
    });
    const error = mistral.mapError(422, body, new Headers());
    expect(error).toMatchObject({ status: 422, type: "invalid_request_error", message: "foo: Extra inputs are not permitted", retryable: false });
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("keeps a 400's message and code", () => {
    const body = JSON.stringify({ object: "error", message: "Unexpected role 'user' after role 'tool'", type: "invalid_request_message_order", param: null, code: "3230" });
    expect(mistral.mapError(400, body, new Headers())).toMatchObject({ status: 400, code: "3230", message: "Unexpected role 'user' after role 'tool'" });
  });

  it("says a 401 is gw's key without echoing it", () => {
    const error = mistral.mapError(401, JSON.stringify({ message: "Unauthorized", request_id: "abc" }), new Headers());
    expect(error).toMatchObject({ status: 401, type: "authentication_error", code: "upstream_authentication_failed" });
    expect(error.message).toContain("mistral");
  });

  it("maps 429 with retry-after and 5xx as retryable", () => {
    const limited = mistral.mapError(429, JSON.stringify({ message: "Requests rate limit exceeded" }), new Headers({ "retry-after": "3" }));
    expect(limited).toMatchObject({ status: 429, type: "rate_limit_error", retryable: true, retryAfterMs: 3000 });
    expect(limited.message).toContain("Requests rate limit exceeded");
    expect(mistral.mapError(503, "upstream connect error", new Headers())).toMatchObject({ status: 503, retryable: true });
  });
});
