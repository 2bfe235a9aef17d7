import { describe, expect, it } from "vitest";
import { inferProvider, isLitellmConfig, translateLitellm } from "./litellm.ts";

describe("LiteLLM configs", () => {
  it("are recognized by model_list without models", () => {
    expect(isLitellmConfig({ model_list: [] })).toBe(true);
    expect(isLitellmConfig({ models: [], model_list: [] })).toBe(false);
    expect(isLitellmConfig({ models: [] })).toBe(false);
  });

  it("infer a bare model's provider as LiteLLM does", () => {
    expect(inferProvider("gpt-4o-mini")).toBe("openai");
    expect(inferProvider("o3-mini")).toBe("openai");
    expect(inferProvider("claude-3-opus-20240229")).toBe("anthropic");
    expect(inferProvider("command-r")).toBe("cohere");
    expect(inferProvider("gemini-1.5-pro")).toBe("vertex");
    expect(inferProvider("mistral-large-latest")).toBe("mistral");
    expect(inferProvider("my-finetune")).toBeNull();
  });

  it("group a model_name's entries, read LiteLLM's fallback lists and default_fallbacks, and warn for what gw does not use", () => {
    const { config, diagnostics } = translateLitellm({
      model_list: [
        { model_name: "a", litellm_params: { model: "gpt-4o", rpm: 10, timeout: 2.5, organization: "org-1" } },
        { model_name: "a", litellm_params: { model: "azure/x", api_version: "2024-10-21" }, model_info: { id: "az", max_output_tokens: 10 } },
        { model_name: "b", litellm_params: { model: "anthropic/claude-3-haiku" } },
        { model_name: "c", litellm_params: { model: "mistral/mistral-small", seed: 1 } },
      ],
      router_settings: { fallbacks: [{ a: ["b"] }, { a: ["c"] }], default_fallbacks: ["c"], cooldown_time: 9 },
      litellm_settings: { cache: true },
    });
    expect(config["models"]).toEqual([
      {
        name: "a",
        deployments: [
          { model: "gpt-4o", provider: "openai", rpmLimit: 10, timeoutMs: 2_500, headers: { "OpenAI-Organization": "org-1" } },
          { model: "azure/x", apiVersion: "2024-10-21", name: "az" },
        ],
      },
      { name: "b", deployments: [{ model: "anthropic/claude-3-haiku" }] },
      { name: "c", deployments: [{ model: "mistral/mistral-small" }] },
    ]);
    // a's own chain, merged from both entries; default_fallbacks for b only (c would be its own).
    expect(config["fallbacks"]).toEqual({ a: ["b", "c"], b: ["c"] });
    expect(config["routing"]).toEqual({ cooldownSeconds: 9 });
    expect(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.path.join(".")])).toEqual([
      ["GW1501", "model_list.1.model_info.max_output_tokens"],
      ["GW1501", "model_list.3.litellm_params.seed"],
      ["GW1501", "litellm_settings.cache"],
    ]);
  });

  it("relabel gw's diagnostics with the LiteLLM path they came from", () => {
    const translation = translateLitellm({ model_list: [{ model_name: "a", litellm_params: { model: "gpt-4o", rpm: 0 } }] });
    const relabeled = translation.relabel({
      code: "GW1105",
      severity: "error",
      message: "models[0].deployments[0].rpmLimit must be an integer >= 1, got 0.",
      path: ["models", 0, "deployments", 0, "rpmLimit"],
    });
    expect(relabeled.path).toEqual(["model_list", 0, "litellm_params", "rpm"]);
    expect(relabeled.message).toBe("model_list[0].litellm_params.rpm must be an integer >= 1, got 0.");
  });
});

describe("LiteLLM environment_variables", () => {
  it("set the os.environ/NAME references they define, as LiteLLM's start-up does; the others stay references", () => {
    const { config, diagnostics } = translateLitellm({
      environment_variables: { AZURE_BASE: "https://res.openai.azure.com" },
      model_list: [{ model_name: "a", litellm_params: { model: "azure/x", api_base: "os.environ/AZURE_BASE", api_key: "os.environ/AZURE_API_KEY" } }],
      general_settings: { environment_variables: { AZURE_API_VERSION: "2024-10-21" } },
    });
    expect((config["models"] as Array<{ deployments: unknown[] }>)[0]?.deployments[0]).toMatchObject({ baseUrl: "https://res.openai.azure.com", apiKey: "os.environ/AZURE_API_KEY" });
    expect(diagnostics).toEqual([]);
  });
});
