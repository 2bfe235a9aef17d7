import { describe, expect, it } from "vitest";
import { createFakeBundle } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    { name: "secret-model", deployments: ["fake-2"] },
    { name: "anthropic/*", deployments: [{ model: "*" }] },
  ],
  masterKey: keyHash("master"),
  teams: [
    { name: "research", budget: null, models: ["chat", "anthropic/*"] },
    { name: "narrow", budget: null, models: ["chat"] },
  ],
  keys: [
    { name: "research-key", team: "research", key: keyHash("research-secret") },
    { name: "narrow-key", team: "narrow", key: keyHash("narrow-secret") },
  ],
});

interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

async function retrieve(gateway: Awaited<ReturnType<typeof createTestGateway>>, path: string, key: string | null): Promise<Response> {
  return gateway.app.request(path, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

describe("GET /v1/models/{id}", () => {
  it("answers OpenAI's model object for a model the caller may use", async () => {
    const gateway = await createTestGateway(bundle);
    for (const path of ["/v1/models/chat", "/models/chat"]) {
      const response = await retrieve(gateway, path, "narrow-secret");
      expect(response.status).toBe(200);
      const model = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(model).sort()).toEqual(["created", "id", "object", "owned_by"]);
      expect(model).toMatchObject({ id: "chat", object: "model", owned_by: "gw" });
      expect(Number.isInteger(model.created)).toBe(true);
    }
    expect(gateway.entries().at(-1)).toMatchObject({ method: "GET", path: "/models/{id}", status: 200, keyName: "narrow-key" });
  });

  it("finds a concrete model under a wildcard the caller may use, with its slash encoded or not", async () => {
    const gateway = await createTestGateway(bundle);
    for (const path of ["/v1/models/anthropic/claude-x", "/v1/models/anthropic%2Fclaude-x"]) {
      const response = await retrieve(gateway, path, "research-secret");
      expect(response.status).toBe(200);
      expect(((await response.json()) as { id: string }).id).toBe("anthropic/claude-x");
    }
    // The pattern itself, as GET /v1/models lists it.
    expect((await retrieve(gateway, "/v1/models/anthropic%2F*", "research-secret")).status).toBe(200);
  });

  it("answers 404 model_not_found alike for an unknown model and one the caller may not use", async () => {
    const gateway = await createTestGateway(bundle);
    for (const [path, key] of [
      ["/v1/models/nope", "master"],
      ["/v1/models/secret-model", "narrow-secret"],
      ["/v1/models/anthropic/claude-x", "narrow-secret"],
    ] as const) {
      const response = await retrieve(gateway, path, key);
      expect(response.status).toBe(404);
      const { error } = (await response.json()) as ErrorBody;
      expect(error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model" });
    }
    expect((await retrieve(gateway, "/v1/models/secret-model", "master")).status).toBe(200);
  });

  it("answers 401 without a valid key and 405 for a wrong method", async () => {
    const gateway = await createTestGateway(bundle);
    expect((await retrieve(gateway, "/v1/models/chat", null)).status).toBe(401);
    expect((await retrieve(gateway, "/v1/models/chat", "wrong")).status).toBe(401);
    const wrong = await gateway.app.request("/v1/models/chat", { method: "DELETE", headers: { authorization: "Bearer master" } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});
