import { describe, expect, it } from "vitest";
import { compileObject } from "../test/compiler/compile-object.ts";
import type { CompiledDeployment } from "../contract/bundle.ts";
import { PRESETS, PRESET_NAMES } from "../runtime/providers/preset-descriptors.ts";

/** What the compiler puts in each provider's deployments (the contract adapters rely on, /work/notes/issue3.md). */

const price = { inputPerMTok: 1, outputPerMTok: 2 };

function deploymentOf(deployment: Record<string, unknown>): CompiledDeployment {
  const bundle = compileObject({ models: [{ name: "m", deployments: [{ price, ...deployment }] }] });
  return bundle.routes["m"]!.deployments[0]!;
}

describe("deployment defaults by provider", () => {
  it("defaults the OpenAI key only for OpenAI's own endpoint", () => {
    expect(deploymentOf({ provider: "openai", model: "gpt-4o" }).apiKey).toEqual({ env: "OPENAI_API_KEY" });
    expect(deploymentOf({ provider: "openai", model: "gpt-4o", baseUrl: "http://localhost:8000/v1" }).apiKey).toBeNull();
    expect(deploymentOf({ provider: "openai", model: "gpt-4o", apiKey: { $env: "MY_KEY" } }).apiKey).toEqual({ env: "MY_KEY" });
  });

  it("defaults the native providers' usual variables, and none for keyless ones", () => {
    expect(deploymentOf({ model: "anthropic/claude-sonnet-4-5" }).apiKey).toEqual({ env: "ANTHROPIC_API_KEY" });
    expect(deploymentOf({ model: "gemini/gemini-2.5-flash" }).apiKey).toEqual({ env: "GEMINI_API_KEY" });
    expect(deploymentOf({ model: "cohere/command-r-plus" }).apiKey).toEqual({ env: "COHERE_API_KEY" });
    expect(deploymentOf({ model: "mistral/mistral-large-latest" }).apiKey).toEqual({ env: "MISTRAL_API_KEY" });
    for (const model of ["ollama/llama3.2", "mock/echo"]) expect(deploymentOf({ model }).apiKey, model).toBeNull();
  });

  it("gives every preset its own key variable, optional for local servers", () => {
    for (const name of PRESET_NAMES) {
      const preset = PRESETS[name];
      const deployment = deploymentOf({ provider: name, model: "m", ...(preset.requiresBaseUrl ? { baseUrl: "https://w.example.test/x" } : {}) });
      expect(deployment.apiKey, name).toEqual(preset.apiKeyOptional ? { env: preset.apiKeyEnv, optional: true } : { env: preset.apiKeyEnv });
      expect(deployment.provider).toBe(name);
      expect(deployment.secrets).toEqual({});
      expect(deployment.options).toEqual({});
    }
  });

  it("compiles Azure: resource endpoint, api-version, key or Entra ID token", () => {
    const withKey = deploymentOf({ model: "azure/prod-gpt-4o", baseUrl: "https://res.openai.azure.com/", apiVersion: "2024-10-21" });
    expect(withKey).toMatchObject({
      provider: "azure",
      model: "prod-gpt-4o",
      baseUrl: "https://res.openai.azure.com",
      apiKey: { env: "AZURE_API_KEY" },
      secrets: {},
      options: { apiVersion: "2024-10-21" },
    });
    const withToken = deploymentOf({ provider: "azure", model: "d", baseUrl: "https://res.openai.azure.com", credentials: { $env: "AZURE_TOKEN" } });
    expect(withToken.apiKey).toBeNull();
    expect(withToken.secrets).toEqual({ entraToken: { env: "AZURE_TOKEN" } });
    expect(withToken.options).toEqual({});
  });

  it("compiles Vertex AI: project and location options, the service account from credentials or its default variable", () => {
    expect(deploymentOf({ model: "vertex_ai/gemini-2.5-pro", project: "p1", region: "us-central1" })).toMatchObject({
      provider: "vertex",
      model: "gemini-2.5-pro",
      apiKey: null,
      secrets: { serviceAccount: { env: "GOOGLE_SERVICE_ACCOUNT_JSON" } },
      options: { project: "p1", region: "us-central1" },
    });
    const explicit = deploymentOf({ provider: "vertex", model: "claude-sonnet-4-5@20250929", project: "p", region: "us-east5", credentials: "os.environ/SA" });
    expect(explicit.secrets).toEqual({ serviceAccount: { env: "SA" } });
  });

  it("compiles Bedrock: AWS variables by default (session token optional), region from the config or AWS_REGION", () => {
    const defaults = deploymentOf({ model: "bedrock/converse/amazon.nova-pro-v1:0" });
    expect(defaults).toMatchObject({ provider: "bedrock", model: "amazon.nova-pro-v1:0", apiKey: null, options: {} });
    expect(defaults.secrets).toEqual({
      awsAccessKeyId: { env: "AWS_ACCESS_KEY_ID" },
      awsSecretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" },
      awsSessionToken: { env: "AWS_SESSION_TOKEN", optional: true },
      awsRegion: { env: "AWS_REGION" },
    });
    const explicit = deploymentOf({
      provider: "bedrock",
      model: "amazon.nova-pro-v1:0",
      region: "eu-west-1",
      aws: { accessKeyId: { $env: "K" }, secretAccessKey: { $env: "S" } },
    });
    expect(explicit.options).toEqual({ region: "eu-west-1" });
    // Explicit credentials never pick up a session token from the environment: it belongs to other credentials.
    expect(explicit.secrets).toEqual({ awsAccessKeyId: { env: "K" }, awsSecretAccessKey: { env: "S" } });
    const temporary = deploymentOf({
      provider: "bedrock",
      model: "amazon.nova-pro-v1:0",
      region: "eu-west-1",
      aws: { accessKeyId: { $env: "K" }, secretAccessKey: { $env: "S" }, sessionToken: { $env: "T" } },
    });
    expect(temporary.secrets["awsSessionToken"]).toEqual({ env: "T" });
  });

  it("compiles extra headers, literal or from the environment", () => {
    const deployment = deploymentOf({
      provider: "openrouter",
      model: "anthropic/claude-3.5-sonnet",
      headers: { "HTTP-Referer": "https://app.example.test", "X-Title": "App", "X-Org-Token": { $env: "ORG_TOKEN" } },
    });
    expect(deployment.model).toBe("anthropic/claude-3.5-sonnet");
    expect(deployment.headers).toEqual({
      "HTTP-Referer": { value: "https://app.example.test" },
      "X-Title": { value: "App" },
      "X-Org-Token": { env: "ORG_TOKEN" },
    });
  });
});

describe("bundle env lists", () => {
  it("lists required and optional variables apart; a variable required anywhere is required", () => {
    const bundle = compileObject({
      models: [
        { name: "local", deployments: [{ provider: "vllm", model: "m" }, { provider: "lmstudio", model: "m" }] },
        { name: "vllm-keyed", deployments: [{ provider: "vllm", model: "m", baseUrl: "https://gpu.example.test/v1", apiKey: { $env: "VLLM_API_KEY" } }] },
        { name: "nova", deployments: [{ model: "bedrock/amazon.nova-pro-v1:0", region: "us-east-1" }] },
        { name: "routed", deployments: [{ provider: "openrouter", model: "openai/gpt-4o", headers: { "X-Team": { $env: "TEAM_HEADER" } } }] },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    });
    expect(bundle.env).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GW_MASTER_KEY", "OPENROUTER_API_KEY", "TEAM_HEADER", "VLLM_API_KEY"]);
    expect(bundle.optionalEnv).toEqual(["AWS_SESSION_TOKEN", "LM_STUDIO_API_KEY"]);
  });
});

describe("wildcard routes", () => {
  it("compile with their prefix, deployments keeping * and priced per requested model at run time", () => {
    const bundle = compileObject({
      models: [
        { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
        { name: "or/*", deployments: [{ provider: "openrouter", model: "*" }] },
        { name: "local/*", deployments: [{ provider: "ollama", model: "*" }] },
        { name: "claude", deployments: [{ model: "anthropic/claude-sonnet-4-5" }] },
      ],
      fallbacks: { "anthropic/*": ["claude"] },
      teams: [{ name: "t", models: ["anthropic/*"] }],
    });
    const route = bundle.routes["anthropic/*"]!;
    expect(route.wildcardPrefix).toBe("anthropic/");
    expect(route.fallbacks).toEqual(["claude"]);
    expect(route.deployments[0]).toMatchObject({ provider: "anthropic", model: "*", price: null, priceProvider: "anthropic" });
    expect(bundle.routes["or/*"]!.deployments[0]).toMatchObject({ model: "*", price: null, priceProvider: "openrouter" });
    expect(bundle.routes["local/*"]!.deployments[0]!.price).toMatchObject({ inputPerMTok: 0, source: "config" });
    expect(bundle.routes["claude"]!.wildcardPrefix).toBeNull();
    expect(bundle.routes["claude"]!.deployments[0]!.priceProvider).toBe("anthropic");
    expect(bundle.policy.teams["t"]!.models).toEqual(["anthropic/*"]);
  });
});

describe("deployment rate limits", () => {
  it("compiles rpmLimit, tpmLimit and maxParallelRequests into limits, unset ones as null", () => {
    expect(deploymentOf({ provider: "openai", model: "gpt-4o", tpmLimit: 90_000 }).limits).toEqual({ rpm: null, tpm: 90_000, parallel: null });
    expect(deploymentOf({ provider: "openai", model: "gpt-4o", rpmLimit: 60, tpmLimit: 1000, maxParallelRequests: 4 }).limits).toEqual({
      rpm: 60,
      tpm: 1000,
      parallel: 4,
    });
  });

  it("leaves limits out of the bundle when none is set", () => {
    expect("limits" in deploymentOf({ provider: "openai", model: "gpt-4o" })).toBe(false);
  });
});
