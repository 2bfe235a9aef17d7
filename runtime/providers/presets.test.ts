/**
 * Every preset, through the real runtime (createGateway: compile, load, route, upstream) with
 * a fake fetch: a request reaches the vendor's path with the vendor's auth header and key.
 */
import { describe, expect, it } from "vitest";
import { compileObject } from "../../test/compiler/compile-object.ts";
import type { PresetProviderName } from "../../compiler/define-config.ts";
import { createGateway } from "../index.ts";
import { PRESETS, PRESET_NAMES } from "./preset-descriptors.ts";
import { presetAdapters } from "./presets.ts";
import { providers } from "./registry.ts";

interface SentRequest {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

const price = { inputPerMTok: 1, outputPerMTok: 2 };
const workspaceUrl = "https://acme.cloud.databricks.test/serving-endpoints";
const keyOf = (name: PresetProviderName): string => `key-for-${name}`;
const upstreamModel = (name: PresetProviderName): string => `${name}-upstream-model`;

/** One chat model and one embeddings model per preset, named after it. */
function presetBundle() {
  return compileObject({
    models: PRESET_NAMES.flatMap((name) => {
      const baseUrl = PRESETS[name].requiresBaseUrl ? { baseUrl: workspaceUrl } : {};
      return [
        { name, deployments: [{ provider: name, model: upstreamModel(name), price, ...baseUrl }] },
        { name: `${name}-embed`, deployments: [{ provider: name, model: `${name}-embedding-model`, price, ...baseUrl }] },
      ];
    }),
  });
}

function chatCompletion(model: string): unknown {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  };
}

function embeddingList(model: string): unknown {
  return { object: "list", model, data: [{ object: "embedding", index: 0, embedding: [0.5, -0.25] }], usage: { prompt_tokens: 2, total_tokens: 2 } };
}

async function startGateway(env: Record<string, string>) {
  const sent: SentRequest[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    sent.push({ url: String(url), headers: new Headers(init?.headers), body });
    const reply = String(url).endsWith("/embeddings") ? embeddingList(String(body["model"])) : chatCompletion(String(body["model"]));
    return new Response(JSON.stringify(reply), { status: 200, headers: { "content-type": "application/json" } });
  };
  const gateway = await createGateway({ source: presetBundle(), env, fetch });
  const call = (path: string, body: unknown) =>
    gateway.fetch(new Request(`http://gw.test${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
  return { gateway, sent, call };
}

const allKeys = Object.fromEntries(PRESET_NAMES.map((name) => [PRESETS[name].apiKeyEnv, keyOf(name)]));

describe("presets", () => {
  it("are at least 25, each registered as a provider with its base URL", () => {
    expect(PRESET_NAMES.length).toBeGreaterThanOrEqual(25);
    for (const name of PRESET_NAMES) {
      const preset = PRESETS[name];
      expect(providers[name], name).toBe(presetAdapters[name]);
      expect(presetAdapters[name].name).toBe(name);
      expect(presetAdapters[name].defaultBaseUrl).toBe(preset.baseUrl);
      expect(preset.baseUrl, name).toMatch(/^https?:\/\/[^\s]+[^/]$/);
      expect(preset.apiKeyEnv, name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(preset.docsUrl, name).toMatch(/^https:\/\//);
      expect(preset.authHeader).toBe("bearer");
      expect(Boolean(presetAdapters[name].embeddings), name).toBe(preset.embeddings);
    }
    expect(new Set(PRESET_NAMES.map((name) => PRESETS[name].apiKeyEnv)).size).toBe(PRESET_NAMES.length);
  });

  it("point at each vendor's documented OpenAI-compatible base URL and key variable", () => {
    const documented = Object.fromEntries(PRESET_NAMES.map((name) => [name, `${PRESETS[name].baseUrl} ${PRESETS[name].apiKeyEnv}`]));
    expect(documented).toEqual({
      groq: "https://api.groq.com/openai/v1 GROQ_API_KEY",
      together: "https://api.together.ai/v1 TOGETHER_API_KEY",
      deepseek: "https://api.deepseek.com DEEPSEEK_API_KEY",
      xai: "https://api.x.ai/v1 XAI_API_KEY",
      fireworks: "https://api.fireworks.ai/inference/v1 FIREWORKS_API_KEY",
      openrouter: "https://openrouter.ai/api/v1 OPENROUTER_API_KEY",
      perplexity: "https://api.perplexity.ai PERPLEXITY_API_KEY",
      cerebras: "https://api.cerebras.ai/v1 CEREBRAS_API_KEY",
      deepinfra: "https://api.deepinfra.com/v1/openai DEEPINFRA_API_KEY",
      "nvidia-nim": "https://integrate.api.nvidia.com/v1 NVIDIA_API_KEY",
      sambanova: "https://api.sambanova.ai/v1 SAMBANOVA_API_KEY",
      moonshot: "https://api.moonshot.ai/v1 MOONSHOT_API_KEY",
      dashscope: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1 DASHSCOPE_API_KEY",
      novita: "https://api.novita.ai/v3/openai NOVITA_API_KEY",
      huggingface: "https://router.huggingface.co/v1 HF_TOKEN",
      databricks: "https://{workspace}.cloud.databricks.com/serving-endpoints DATABRICKS_TOKEN",
      lmstudio: "http://localhost:1234/v1 LM_STUDIO_API_KEY",
      vllm: "http://localhost:8000/v1 VLLM_API_KEY",
      llamacpp: "http://localhost:8080/v1 LLAMA_API_KEY",
      "ollama-openai": "http://localhost:11434/v1 OLLAMA_API_KEY",
      lambda: "https://api.lambda.ai/v1 LAMBDA_API_KEY",
      nebius: "https://api.tokenfactory.nebius.com/v1 NEBIUS_API_KEY",
      hyperbolic: "https://api.hyperbolic.xyz/v1 HYPERBOLIC_API_KEY",
      "github-models": "https://models.github.ai/inference GITHUB_TOKEN",
      "litellm-proxy": "http://localhost:4000/v1 LITELLM_PROXY_API_KEY",
    });
    expect(PRESET_NAMES.filter((name) => PRESETS[name].requiresBaseUrl)).toEqual(["databricks"]);
  });

  it.each(PRESET_NAMES)("%s: a chat completion reaches <baseUrl>/chat/completions with Bearer auth and the preset's key", async (name) => {
    const { gateway, sent, call } = await startGateway(allKeys);
    const response = await call("/v1/chat/completions", { model: name, messages: [{ role: "user", content: "hello" }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe("hi");
    expect(sent).toHaveLength(1);
    const [request] = sent;
    const baseUrl = PRESETS[name].requiresBaseUrl ? workspaceUrl : PRESETS[name].baseUrl;
    expect(request!.url).toBe(`${baseUrl}/chat/completions`);
    expect(request!.headers.get("authorization")).toBe(`Bearer ${keyOf(name)}`);
    expect(request!.body["model"]).toBe(upstreamModel(name));
    await gateway.close();
  });

  it.each(PRESET_NAMES.filter((name) => PRESETS[name].embeddings))(
    "%s: an embeddings request reaches <baseUrl>/embeddings with Bearer auth and the preset's key",
    async (name) => {
      const { gateway, sent, call } = await startGateway(allKeys);
      const response = await call("/v1/embeddings", { model: `${name}-embed`, input: "hello", encoding_format: "float" });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { embedding: number[] }[] }).data[0]!.embedding).toEqual([0.5, -0.25]);
      const baseUrl = PRESETS[name].requiresBaseUrl ? workspaceUrl : PRESETS[name].baseUrl;
      expect(sent.map((request) => request.url)).toEqual([`${baseUrl}/embeddings`]);
      expect(sent[0]!.headers.get("authorization")).toBe(`Bearer ${keyOf(name)}`);
      expect(sent[0]!.body["model"]).toBe(`${name}-embedding-model`);
      await gateway.close();
    },
  );

  it("refuses embeddings for presets without an embeddings API, without calling upstream", async () => {
    const { gateway, sent, call } = await startGateway(allKeys);
    const without = PRESET_NAMES.filter((name) => !PRESETS[name].embeddings);
    expect(without.length).toBeGreaterThan(0);
    for (const name of without) {
      const response = await call("/v1/embeddings", { model: `${name}-embed`, input: "hello" });
      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
      expect(((await response.json()) as { error: { message: string } }).error.message, name).toMatch(/embedding/i);
    }
    expect(sent).toEqual([]);
    await gateway.close();
  });

  it("sends no Authorization header to a local server whose optional key is unset", async () => {
    const local = PRESET_NAMES.filter((name) => PRESETS[name].apiKeyOptional);
    expect(local).toEqual(expect.arrayContaining(["vllm", "llamacpp", "lmstudio", "ollama-openai"]));
    const required = Object.fromEntries(PRESET_NAMES.filter((name) => !PRESETS[name].apiKeyOptional).map((name) => [PRESETS[name].apiKeyEnv, keyOf(name)]));
    const { gateway, sent, call } = await startGateway(required);
    for (const name of local) {
      const response = await call("/v1/chat/completions", { model: name, messages: [{ role: "user", content: "hello" }] });
      expect(response.status, name).toBe(200);
    }
    expect(sent.map((request) => request.url)).toEqual(local.map((name) => `${PRESETS[name].baseUrl}/chat/completions`));
    for (const request of sent) expect(request.headers.has("authorization"), request.url).toBe(false);
    await gateway.close();
  });

  it("refuses to start when a hosted preset's key is missing, naming the variable", async () => {
    const { GROQ_API_KEY: _unset, ...rest } = allKeys;
    await expect(createGateway({ source: presetBundle(), env: rest })).rejects.toThrow(/GROQ_API_KEY/);
  });
});
