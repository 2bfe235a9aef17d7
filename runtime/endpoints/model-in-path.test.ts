import { describe, expect, it } from "vitest";
import { answer, createFakeBundle, embedWith } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash } from "../testing/test-gateway.ts";

// The routes that name the model in the URL: Azure-style clients and LiteLLM's engine routes.
const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    { name: "openai/gpt-x", deployments: ["fake-2"] },
    { name: "embed", deployments: ["fake-embed"] },
    { name: "secret-model", deployments: ["fake-3"] },
  ],
  masterKey: keyHash("master"),
  teams: [{ name: "research", budget: null, models: ["chat", "openai/gpt-x", "embed"] }],
  keys: [{ name: "ci", team: "research", key: keyHash("team-secret") }],
});
const handlers = { "fake-1": answer("from chat"), "fake-2": answer("from gpt-x"), "fake-3": answer("classified"), "fake-embed": embedWith(2, 3) };
const messages = [{ role: "user", content: "Hello" }];

interface Completion {
  model: string;
  choices: Array<{ message: { content: string } }>;
}

describe("chat completions with the model in the URL", () => {
  it("serves an Azure-style request: no model in the body, api-version in the query, the key in api-key", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/openai/deployments/chat/chat/completions?api-version=2024-10-21", { messages }, { "api-key": "team-secret" });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as Completion;
    expect(completion.model).toBe("chat");
    expect(completion.choices[0]?.message.content).toBe("from chat");
    expect(gateway.store.records[0]).toMatchObject({ model: "chat", keyName: "ci" });
    expect(gateway.entries()[0]).toMatchObject({ path: "/openai/deployments/{model}/chat/completions", model: "chat" });
  });

  it("serves /engines/{model}/chat/completions, the key in x-api-key", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/engines/chat/chat/completions", { messages }, { "x-api-key": "team-secret" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Completion).model).toBe("chat");
  });

  it("lets the URL's model win over the body's", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/openai/deployments/chat/chat/completions", { model: "openai/gpt-x", messages }, { "api-key": "team-secret" });
    expect(((await response.json()) as Completion).choices[0]?.message.content).toBe("from chat");
  });

  it("takes a model name with a slash, encoded or not", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    for (const path of ["/openai/deployments/openai/gpt-x/chat/completions", "/engines/openai%2Fgpt-x/chat/completions"]) {
      const response = await gateway.post(path, { messages }, { "api-key": "team-secret" });
      expect(((await response.json()) as Completion).model).toBe("openai/gpt-x");
    }
  });

  it("checks the URL's model like any other: unknown 404, not the team's 403", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const unknown = await gateway.post("/openai/deployments/nope/chat/completions", { messages }, { "api-key": "team-secret" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    // The body naming an allowed model does not get the caller past the URL's.
    const forbidden = await gateway.post("/openai/deployments/secret-model/chat/completions", { model: "chat", messages }, { "api-key": "team-secret" });
    expect(forbidden.status).toBe(403);
  });

  it("answers 401 without a key and 405 for a wrong method", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    expect((await gateway.post("/openai/deployments/chat/chat/completions", { messages })).status).toBe(401);
    const wrong = await gateway.app.request("/engines/chat/chat/completions", { headers: { "api-key": "team-secret" } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});

describe("embeddings with the model in the URL", () => {
  it("serves /openai/deployments/{model}/embeddings and /engines/{model}/embeddings", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    for (const path of ["/openai/deployments/embed/embeddings?api-version=2024-10-21", "/engines/embed/embeddings"]) {
      const response = await gateway.post(path, { input: "x" }, { "api-key": "team-secret" });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { model: string }).model).toBe("embed");
    }
  });
});

describe("legacy completions with the model in the URL", () => {
  it("serves /engines/{model}/completions and Azure's /openai/deployments/{model}/completions, slashes included; chat's route keeps /chat/completions", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    for (const [path, model] of [
      ["/engines/chat/completions", "chat"],
      ["/openai/deployments/chat/completions?api-version=2024-10-21", "chat"],
      ["/engines/openai/gpt-x/completions", "openai/gpt-x"],
    ] as const) {
      const response = await gateway.post(path, { prompt: "Say hi" }, { "api-key": "team-secret" });
      expect(response.status, path).toBe(200);
      const completion = (await response.json()) as { object: string; model: string; choices: Array<{ text: string }> };
      expect(completion).toMatchObject({ object: "text_completion", model });
    }
    const chat = await gateway.post("/engines/chat/chat/completions", { messages }, { "api-key": "team-secret" });
    expect(((await chat.json()) as { object: string }).object).toBe("chat.completion");
    expect(gateway.entries().map((entry) => entry.path)).toEqual([
      "/engines/{model}/completions",
      "/openai/deployments/{model}/completions",
      "/engines/{model}/completions",
      "/engines/{model}/chat/completions",
    ]);
    const wrong = await gateway.app.request("/engines/chat/completions", { headers: { "api-key": "team-secret" } });
    expect(wrong.status).toBe(405);
  });
});

describe("routing cost", () => {
  it("keeps Hono on its one-regex router (a route pattern it cannot compile would put every request on the slower trie)", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    await gateway.post("/v1/chat/completions", { model: "chat", messages }, { "api-key": "team-secret" });
    expect((gateway.app as unknown as { router: { name: string } }).router.name).toBe("SmartRouter + RegExpRouter");
  });
});
