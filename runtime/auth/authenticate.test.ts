import { describe, expect, it } from "vitest";
import { checkModelAllowed, readPresentedKey } from "./authenticate.ts";
import { answer, createFakeBundle } from "../testing/fake-provider.ts";
import { createTestGateway, hello, keyHash } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    { name: "secret-model", deployments: ["fake-2"] },
  ],
  masterKey: keyHash("master-secret"),
  teams: [{ name: "research", budget: null, models: ["chat"] }],
  keys: [{ name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } }],
});
const env = { FAKE_API_KEY: "sk-up", RESEARCH_KEY: "research-secret" };
const handlers = { "fake-1": answer("hi"), "fake-2": answer("classified") };

interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

describe("auth", () => {
  it("accepts a team key as a bearer token", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat(hello, "research-secret");
    expect(response.status).toBe(200);
    expect(gateway.store.records[0]).toMatchObject({ team: "research", keyName: "research-ci" });
  });

  it("accepts a key in x-api-key", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.post("/v1/chat/completions", hello, { "x-api-key": "research-secret" });
    expect(response.status).toBe(200);
  });

  it("answers 401 missing_api_key without a key", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat(hello, null);
    expect(response.status).toBe(401);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.type).toBe("authentication_error");
    expect(body.error.code).toBe("missing_api_key");
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 401 invalid_api_key for an unknown key, without echoing it", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat(hello, "sk-wrong-key-12345");
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe("invalid_api_key");
    expect(text).not.toContain("sk-wrong-key-12345");
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 403 model_not_allowed naming team and model", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat({ ...hello, model: "secret-model" }, "research-secret");
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.type).toBe("permission_error");
    expect(body.error.code).toBe("model_not_allowed");
    expect(body.error.message).toContain('"research"');
    expect(body.error.message).toContain('"secret-model"');
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 404 model_not_found for an unknown model, naming nothing else", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat({ ...hello, model: "nope" }, "research-secret");
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("model_not_found");
    expect(body.error.message).toContain('"nope"');
    expect(body.error.message).not.toContain("secret-model");
    expect(body.error.message).not.toContain("fake-1");
  });

  it("lets the master key call every model", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const response = await gateway.chat({ ...hello, model: "secret-model" }, "master-secret");
    expect(response.status).toBe(200);
    expect(gateway.store.records[0]).toMatchObject({ team: null, keyName: null });
  });

  it("lets anyone in when the bundle has no keys at all (open mode)", async () => {
    const open = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] });
    const gateway = await createTestGateway(open, { handlers });
    expect((await gateway.chat(hello, null)).status).toBe(200);
    expect((await gateway.chat(hello, "anything")).status).toBe(200);
  });

  it("requires a key when only a master key is configured", async () => {
    const masterOnly = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }], masterKey: keyHash("m") });
    const gateway = await createTestGateway(masterOnly, { handlers });
    expect((await gateway.chat(hello, null)).status).toBe(401);
    expect((await gateway.chat(hello, "m")).status).toBe(200);
  });

  it("lists only the models the caller's team may use", async () => {
    const gateway = await createTestGateway(bundle, { env, handlers });
    const team = await gateway.app.request("/v1/models", { headers: { authorization: "Bearer research-secret" } });
    const teamBody = (await team.json()) as { object: string; data: Array<{ id: string; object: string; owned_by: string }> };
    expect(teamBody.object).toBe("list");
    expect(teamBody.data.map((model) => model.id)).toEqual(["chat"]);
    expect(teamBody.data[0]).toMatchObject({ object: "model", owned_by: "gw" });
    const master = await gateway.app.request("/models", { headers: { "x-api-key": "master-secret" } });
    expect(((await master.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id)).toEqual(["chat", "secret-model"]);
    expect((await gateway.app.request("/v1/models")).status).toBe(401);
  });
});

describe("readPresentedKey", () => {
  it("prefers Authorization: Bearer, accepts any case of the scheme, then x-api-key", () => {
    expect(readPresentedKey(new Headers({ authorization: "Bearer abc" }))).toBe("abc");
    expect(readPresentedKey(new Headers({ authorization: "bearer  abc " }))).toBe("abc");
    expect(readPresentedKey(new Headers({ authorization: "Bearer abc", "x-api-key": "def" }))).toBe("abc");
    expect(readPresentedKey(new Headers({ authorization: "Basic xyz", "x-api-key": "def" }))).toBe("def");
    expect(readPresentedKey(new Headers({ authorization: "Bearer " }))).toBeNull();
    expect(readPresentedKey(new Headers())).toBeNull();
  });
});

describe("api-key header and keys without a team", () => {
  it("accepts the key in `api-key` (Azure-style clients), after Authorization and x-api-key", () => {
    expect(readPresentedKey(new Headers({ "api-key": "azure" }))).toBe("azure");
    expect(readPresentedKey(new Headers({ "x-api-key": "x", "api-key": "azure" }))).toBe("x");
    expect(readPresentedKey(new Headers({ authorization: "Bearer b", "api-key": "azure" }))).toBe("b");
  });

  it("never tells a key without a team about Team \"null\"", () => {
    const refused = checkModelAllowed({ kind: "key", keyName: "k", team: null, models: new Set(["chat"]), modelPrefixes: [] }, "other");
    expect(refused?.status).toBe(403);
    expect(refused?.message).not.toContain("null");
    expect(refused?.message).toContain('This key may not use model "other"');
  });
});
