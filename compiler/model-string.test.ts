import { describe, expect, it } from "vitest";
import { MODEL_PREFIXES, providerForPrefix, redundantPrefix, resolveDeploymentTarget } from "./model-string.ts";
import { KNOWN_PROVIDERS } from "./providers.ts";

const resolved = (provider: string, model: string, prefix: string | null) => ({ kind: "resolved", provider, model, prefix });

describe("resolveDeploymentTarget", () => {
  it("maps LiteLLM's prefixes to gw's providers and strips them", () => {
    expect(resolveDeploymentTarget(undefined, "anthropic/claude-sonnet-4-5")).toEqual(resolved("anthropic", "claude-sonnet-4-5", "anthropic"));
    expect(resolveDeploymentTarget(undefined, "vertex_ai/gemini-2.5-pro")).toEqual(resolved("vertex", "gemini-2.5-pro", "vertex_ai"));
    expect(resolveDeploymentTarget(undefined, "azure/my-gpt-4o")).toEqual(resolved("azure", "my-gpt-4o", "azure"));
    expect(resolveDeploymentTarget(undefined, "gemini/gemini-2.5-flash")).toEqual(resolved("gemini", "gemini-2.5-flash", "gemini"));
    expect(resolveDeploymentTarget(undefined, "ollama/llama3.2")).toEqual(resolved("ollama", "llama3.2", "ollama"));
    expect(resolveDeploymentTarget(undefined, "ollama_chat/llama3.2")).toEqual(resolved("ollama", "llama3.2", "ollama_chat"));
    expect(resolveDeploymentTarget(undefined, "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo")).toEqual(
      resolved("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "together_ai"),
    );
    expect(resolveDeploymentTarget(undefined, "fireworks_ai/accounts/fireworks/models/x")).toEqual(
      resolved("fireworks", "accounts/fireworks/models/x", "fireworks_ai"),
    );
    expect(resolveDeploymentTarget(undefined, "nvidia_nim/meta/llama3-70b-instruct")).toEqual(resolved("nvidia-nim", "meta/llama3-70b-instruct", "nvidia_nim"));
    expect(resolveDeploymentTarget(undefined, "lm_studio/qwen")).toEqual(resolved("lmstudio", "qwen", "lm_studio"));
    expect(resolveDeploymentTarget(undefined, "hosted_vllm/m")).toEqual(resolved("vllm", "m", "hosted_vllm"));
    expect(resolveDeploymentTarget(undefined, "github/openai/gpt-4o-mini")).toEqual(resolved("github-models", "openai/gpt-4o-mini", "github"));
    expect(resolveDeploymentTarget(undefined, "litellm_proxy/gpt-4o")).toEqual(resolved("litellm-proxy", "gpt-4o", "litellm_proxy"));
    expect(resolveDeploymentTarget(undefined, "cohere_chat/command-r")).toEqual(resolved("cohere", "command-r", "cohere_chat"));
    expect(resolveDeploymentTarget(undefined, "mistral/mistral-large-latest")).toEqual(resolved("mistral", "mistral-large-latest", "mistral"));
    expect(resolveDeploymentTarget(undefined, "groq/llama-3.3-70b-versatile")).toEqual(resolved("groq", "llama-3.3-70b-versatile", "groq"));
    expect(resolveDeploymentTarget(undefined, "openai/gpt-4o")).toEqual(resolved("openai", "gpt-4o", "openai"));
  });

  it("drops Bedrock's converse/ and invoke/ route markers: gw always speaks Converse", () => {
    const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    expect(resolveDeploymentTarget(undefined, `bedrock/${model}`)).toEqual(resolved("bedrock", model, "bedrock"));
    expect(resolveDeploymentTarget(undefined, `bedrock/converse/${model}`)).toEqual(resolved("bedrock", model, "bedrock"));
    expect(resolveDeploymentTarget(undefined, `bedrock/invoke/${model}`)).toEqual(resolved("bedrock", model, "bedrock"));
  });

  it("accepts gw's own provider names as prefixes, and keeps a wildcard", () => {
    expect(resolveDeploymentTarget(undefined, "nvidia-nim/meta/llama")).toEqual(resolved("nvidia-nim", "meta/llama", "nvidia-nim"));
    expect(resolveDeploymentTarget(undefined, "anthropic/*")).toEqual(resolved("anthropic", "*", "anthropic"));
    for (const provider of KNOWN_PROVIDERS) expect(providerForPrefix(provider)).toBe(provider);
  });

  it("takes the model literally when provider is given", () => {
    expect(resolveDeploymentTarget("openrouter", "anthropic/claude-3.5-sonnet")).toEqual(resolved("openrouter", "anthropic/claude-3.5-sonnet", null));
    expect(resolveDeploymentTarget("bedrock", "converse/x")).toEqual(resolved("bedrock", "converse/x", null));
    expect(resolveDeploymentTarget("gorq", "x")).toEqual({ kind: "unknownProvider", provider: "gorq" });
  });

  it("reports a missing provider and an unknown prefix", () => {
    expect(resolveDeploymentTarget(undefined, "gpt-4o")).toEqual({ kind: "noProvider" });
    expect(resolveDeploymentTarget(undefined, "/gpt-4o")).toEqual({ kind: "noProvider" });
    expect(resolveDeploymentTarget(undefined, "anthropic/")).toEqual({ kind: "noProvider" });
    expect(resolveDeploymentTarget(undefined, "bedrock/converse/")).toEqual({ kind: "noProvider" });
    expect(resolveDeploymentTarget(undefined, "meta-llama/Llama-3.1-8B")).toEqual({ kind: "unknownPrefix", prefix: "meta-llama" });
    expect(resolveDeploymentTarget(undefined, "toString/x")).toEqual({ kind: "unknownPrefix", prefix: "toString" });
    expect(MODEL_PREFIXES).toContain("vertex_ai");
    expect(MODEL_PREFIXES).toContain("groq");
  });
});

describe("redundantPrefix", () => {
  it("finds a prefix that repeats the given provider, except OpenRouter's own model ids", () => {
    expect(redundantPrefix("anthropic", "anthropic/claude-x")).toBe("anthropic");
    expect(redundantPrefix("vertex", "vertex_ai/gemini-2.5-pro")).toBe("vertex_ai");
    expect(redundantPrefix("openrouter", "openrouter/auto")).toBeUndefined();
    expect(redundantPrefix("openrouter", "anthropic/claude-3.5-sonnet")).toBeUndefined();
    expect(redundantPrefix("groq", "openai/gpt-oss-120b")).toBeUndefined();
    expect(redundantPrefix("together", "meta-llama/Llama-3.3-70B")).toBeUndefined();
  });
});
