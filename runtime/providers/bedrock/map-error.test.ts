import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { bedrock } from "./index.ts";

function headers(errorType: string, extra: Record<string, string> = {}): Headers {
  return new Headers({ "x-amzn-errortype": `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...extra });
}

describe("bedrock mapError", () => {
  it.each([
    [400, "ValidationException", 400, "invalid_request_error", false],
    [403, "AccessDeniedException", 403, "permission_error", false],
    [404, "ResourceNotFoundException", 404, "not_found_error", false],
    [408, "ModelTimeoutException", 408, "timeout_error", true],
    [424, "ModelErrorException", 502, "upstream_error", true],
    [429, "ThrottlingException", 429, "rate_limit_error", true],
    [429, "ModelNotReadyException", 503, "upstream_error", true],
    [500, "InternalServerException", 500, "upstream_error", true],
    [503, "ServiceUnavailableException", 503, "upstream_error", true],
  ] as const)("HTTP %i %s -> %i %s", (status, errorType, expectedStatus, expectedType, retryable) => {
    const error = bedrock.mapError(status, JSON.stringify({ message: "Something happened." }), headers(errorType));
    expect(error).toMatchObject({ status: expectedStatus, type: expectedType, retryable, code: errorType });
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("keeps Bedrock's explanation of an invalid request", () => {
    const error = bedrock.mapError(400, JSON.stringify({ message: "The provided model identifier is invalid." }), headers("ValidationException"));
    expect(error.message).toBe("The provided model identifier is invalid.");
  });

  it.each(["UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException", "MissingAuthenticationTokenException"])(
    "%s says gw's AWS credentials were rejected, without forwarding AWS's message",
    (errorType) => {
      const error = bedrock.mapError(403, JSON.stringify({ message: "The security token AKIAIOSFODNN7EXAMPLE included in the request is invalid." }), headers(errorType));
      expect(error).toMatchObject({ status: 403, type: "permission_error", code: "upstream_authentication_failed", retryable: false });
      expect(error.message).toMatch(/rejected gw's AWS credentials/);
      expect(error.message).not.toContain("AKIA");
      expect(validateErrorResponse(error.toJSON())).toEqual([]);
    },
  );

  it("says when the session token has expired", () => {
    const error = bedrock.mapError(403, JSON.stringify({ message: "The security token included in the request is expired" }), headers("ExpiredTokenException"));
    expect(error.message).toMatch(/session token has expired/);
  });

  it("reads the error type from the body when the header is missing, and falls back to the status", () => {
    expect(bedrock.mapError(400, JSON.stringify({ __type: "com.amazon.coral.service#ThrottlingException", message: "slow" }), new Headers())).toMatchObject({
      status: 429,
      retryable: true,
    });
    expect(bedrock.mapError(502, "<html>Bad Gateway</html>", new Headers())).toMatchObject({ status: 502, type: "upstream_error", retryable: true, code: null });
    expect(bedrock.mapError(429, "", new Headers({ "retry-after": "3" }))).toMatchObject({ status: 429, retryAfterMs: 3000 });
  });
});
