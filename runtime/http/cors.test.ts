import { describe, expect, it } from "vitest";
import { answer, createFakeBundle } from "../testing/fake-provider.ts";
import { createTestGateway, hello, keyHash } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }], masterKey: keyHash("master") });
const handlers = { "fake-1": answer("hi") };
const env = { FAKE_API_KEY: "sk-fake-upstream-secret" };
const app = "https://app.example.com";

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-stainless-os" },
});

describe("CORS", () => {
  it("is off by default: a preflight gets no CORS headers", async () => {
    const gateway = await createTestGateway(bundle, { handlers, env });
    const response = await gateway.app.request("/v1/chat/completions", preflight(app));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers an allowed origin's preflight 204 with the SDK headers, before authentication", async () => {
    const gateway = await createTestGateway(bundle, { handlers, env, corsOrigins: [app] });
    const response = await gateway.app.request("/v1/chat/completions", preflight(app));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = response.headers.get("access-control-allow-headers") ?? "";
    for (const header of ["authorization", "content-type", "x-api-key", "api-key", "x-stainless-os", "anthropic-version"]) expect(allowed).toContain(header);
    expect(response.headers.get("access-control-max-age")).not.toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("marks real answers for an allowed origin and exposes gw's headers; a disallowed origin gets none", async () => {
    const gateway = await createTestGateway(bundle, { handlers, env, corsOrigins: [app] });
    const allowed = await gateway.post("/v1/chat/completions", hello, { authorization: "Bearer master", origin: app });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(app);
    expect(allowed.headers.get("access-control-expose-headers")).toContain("x-request-id");
    const other = await gateway.post("/v1/chat/completions", hello, { authorization: "Bearer master", origin: "https://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    const otherPreflight = await gateway.app.request("/v1/chat/completions", preflight("https://evil.example"));
    expect(otherPreflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
