import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { azure } from "./index.ts";

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");
}

describe("azure mapError", () => {
  it("turns a prompt blocked by the content filter into a clear 400 naming the categories", () => {
    const error = azure.mapError(400, fixture("azure-content-filter-error.json"), new Headers());
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", code: "content_filter", param: "messages", retryable: false });
    expect(error.message).toContain("content filter blocked the prompt (hate (medium))");
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("maps 429 with retry-after-ms, then retry-after, and a readable code", () => {
    const body = fixture("azure-rate-limit-error.json");
    const withMs = azure.mapError(429, body, new Headers({ "retry-after-ms": "6000", "retry-after": "6" }));
    expect(withMs).toMatchObject({ status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retryable: true, retryAfterMs: 6000 });
    expect(withMs.message).toContain("exceeded token rate limit");
    expect(azure.mapError(429, body, new Headers({ "retry-after": "7" })).retryAfterMs).toBe(7000);
  });

  it("says a 401 is about gw's Azure credentials and never echoes them", () => {
    const error = azure.mapError(
      401,
      JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint." } }),
      new Headers(),
    );
    expect(error).toMatchObject({ status: 401, type: "authentication_error", retryable: false });
    expect(error.message).toMatch(/api-key.*Entra ID token/);
  });

  it("adds a hint to a missing deployment", () => {
    const error = azure.mapError(
      404,
      JSON.stringify({ error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." } }),
      new Headers(),
    );
    expect(error).toMatchObject({ status: 404, type: "not_found_error", code: "DeploymentNotFound", retryable: false });
    expect(error.message).toContain("The API deployment for this resource does not exist. Check the deployment's model (the Azure deployment name)");
  });

  it("keeps other 400s as OpenAI's mapper reads them, and 5xx retryable", () => {
    const error = azure.mapError(400, JSON.stringify({ error: { code: "BadRequest", message: "Unrecognized request argument supplied: foo", param: "foo" } }), new Headers());
    expect(error).toMatchObject({ status: 400, code: "BadRequest", message: "Unrecognized request argument supplied: foo" });
    expect(azure.mapError(503, "Service Unavailable", new Headers())).toMatchObject({ status: 503, retryable: true });
  });
});
