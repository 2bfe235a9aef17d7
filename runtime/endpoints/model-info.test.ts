import { describe, expect, it } from "vitest";
import { createFakeBundle } from "../testing/fake-provider.ts";
import { createTestGateway, fakeUpstreamKey, keyHash } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    {
      name: "chat",
      deployments: [
        { model: "fake-1", maxInputTokens: 8000, headers: { "x-upstream-token": { env: "HEADER_SECRET" } } },
        { model: "fake-2", baseUrl: "https://user:url-password@fake.invalid/v1?key=query-secret", secrets: { entraToken: { env: "ENTRA_SECRET" } } },
      ],
    },
    { name: "embed", deployments: ["fake-embed"] },
    { name: "secret-model", deployments: [{ model: "fake-3", priced: false }] },
    { name: "anthropic/*", deployments: [{ model: "*", priced: false }] },
  ],
  masterKey: keyHash("master"),
  teams: [{ name: "research", budget: null, models: ["chat", "embed", "anthropic/*"] }],
  keys: [{ name: "research-key", team: "research", key: keyHash("research-secret") }],
  price: { input: 1, output: 2 },
});
const env = { FAKE_API_KEY: fakeUpstreamKey, HEADER_SECRET: "header-secret-value", ENTRA_SECRET: "entra-secret-value" };

interface ModelInfoEntry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
}

async function modelInfo(path: string, key: string): Promise<{ response: Response; text: string }> {
  const gateway = await createTestGateway(bundle, { env });
  const response = await gateway.app.request(path, { headers: { authorization: `Bearer ${key}` } });
  return { response, text: await response.text() };
}

describe("GET /model/info", () => {
  it("answers one entry per deployment in LiteLLM's shape, with prices per token and the context window", async () => {
    const { response, text } = await modelInfo("/model/info", "master");
    expect(response.status).toBe(200);
    const { data } = JSON.parse(text) as { data: ModelInfoEntry[] };
    expect(data.map((entry) => [entry.model_name, entry.model_info.id])).toEqual([
      ["chat", "chat/0"],
      ["chat", "chat/1"],
      ["embed", "embed/0"],
      ["secret-model", "secret-model/0"],
      ["anthropic/*", "anthropic/*/0"],
    ]);
    expect(data[0]).toEqual({
      model_name: "chat",
      litellm_params: { model: "fake/fake-1", custom_llm_provider: "fake", api_base: "http://fake.invalid", timeout: 5 },
      model_info: {
        id: "chat/0",
        db_model: false,
        key: "fake-1",
        litellm_provider: "fake",
        mode: "chat",
        input_cost_per_token: 1e-6,
        output_cost_per_token: 2e-6,
        cache_read_input_token_cost: 1e-7,
        cache_creation_input_token_cost: 1.25e-6,
        max_input_tokens: 8000,
      },
    });
    expect(data[2]?.model_info.mode).toBe("embedding");
    expect(data[3]?.model_info).toMatchObject({ input_cost_per_token: null, output_cost_per_token: null, max_input_tokens: null });
    expect(data[4]?.litellm_params.model).toBe("fake/*");
  });

  it("never includes an API key, a secret, a header value or credentials in a base URL", async () => {
    const { text } = await modelInfo("/model/info", "master");
    for (const secret of [fakeUpstreamKey, "header-secret-value", "entra-secret-value", "url-password", "query-secret", "user:"]) expect(text).not.toContain(secret);
    const { data } = JSON.parse(text) as { data: ModelInfoEntry[] };
    expect(data[1]?.litellm_params.api_base).toBe("https://fake.invalid/v1");
  });

  it("lists only the deployments of the models a team key may use, also at /v1/model/info", async () => {
    const { response, text } = await modelInfo("/v1/model/info", "research-secret");
    expect(response.status).toBe(200);
    const { data } = JSON.parse(text) as { data: ModelInfoEntry[] };
    expect(data.map((entry) => entry.model_name)).toEqual(["chat", "chat", "embed", "anthropic/*"]);
  });

  it("answers 401 without a valid key and 405 for a wrong method", async () => {
    const gateway = await createTestGateway(bundle, { env });
    const missing = await gateway.app.request("/model/info");
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
    expect((await gateway.app.request("/model/info", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const wrong = await gateway.app.request("/model/info", { method: "POST", headers: { authorization: "Bearer master" } });
    expect(wrong.status).toBe(405);
  });
});
