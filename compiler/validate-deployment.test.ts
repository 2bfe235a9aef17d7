import { describe, expect, it } from "vitest";
import { analyzeConfig } from "./pipeline.ts";

/** Codes and paths of the diagnostics for a config (file positions are covered by the golden cases in test/compiler). */
function diagnose(config: unknown): string[] {
  const { diagnostics } = analyzeConfig(config, { format: "typescript", environment: {}, source: "gateway.config.ts", compile: false });
  return diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.path.join(".")}`);
}

const one = (deployment: Record<string, unknown>, name = "m") => ({
  models: [{ name, deployments: [{ price: { inputPerMTok: 1, outputPerMTok: 1 }, ...deployment }] }],
});

describe("deployment targets", () => {
  it("needs a provider or a provider prefix", () => {
    expect(diagnose(one({ model: "gpt-4o" }))).toEqual(["GW1207 models.0.deployments.0.model"]);
    expect(diagnose(one({ model: "anthropic/" }))).toEqual(["GW1207 models.0.deployments.0.model"]);
    expect(diagnose(one({ model: "antropic/claude" }))).toEqual(["GW1208 models.0.deployments.0.model"]);
    expect(diagnose(one({ provider: "together", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo" }))).toEqual([]);
  });

  it("reports an unknown provider once, through the schema", () => {
    expect(diagnose(one({ provider: "gorq", model: "gorq/x" }))).toEqual(["GW1201 models.0.deployments.0.provider"]);
  });

  it("warns when provider is repeated as a prefix of the model", () => {
    expect(diagnose(one({ provider: "anthropic", model: "anthropic/claude-sonnet-4-5" }))).toEqual(["GW1216 models.0.deployments.0.model"]);
    // Self-hosted servers and proxies serve names such as "openai/gpt-oss-20b" (the Hugging Face id).
    expect(diagnose(one({ provider: "openai", model: "openai/gpt-oss-20b", baseUrl: "http://localhost:8000/v1" }))).toEqual([]);
  });
});

describe("wildcards", () => {
  it("accepts only a trailing /* in a public name", () => {
    expect(diagnose(one({ model: "anthropic/*" }, "anthropic/*"))).toEqual([]);
    expect(diagnose(one({ provider: "mock", model: "x" }, "claude-*"))).toEqual(["GW1209 models.0.name"]);
  });

  it("allows * in a deployment's model only in a wildcard model, and once", () => {
    expect(diagnose(one({ provider: "openai", model: "gpt-*" }))).toEqual(["GW1210 models.0.deployments.0.model"]);
    expect(diagnose(one({ provider: "bedrock", model: "*.*", region: "us-east-1" }, "b/*"))).toEqual(["GW1210 models.0.deployments.0.model"]);
    expect(diagnose(one({ provider: "bedrock", model: "us.anthropic.*", region: "us-east-1" }, "b/*"))).toEqual([]);
    // A wildcard model may still send every request to one fixed upstream model.
    expect(diagnose(one({ provider: "openai", model: "gpt-4o-mini" }, "any/*"))).toEqual([]);
  });

  it("allows fallbacks from a wildcard model, not to one", () => {
    const models = [
      { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
      { name: "gpt", deployments: [{ model: "openai/gpt-4o" }] },
    ];
    expect(diagnose({ models, fallbacks: { "anthropic/*": ["gpt"] } })).toEqual([]);
    expect(diagnose({ models, fallbacks: { gpt: ["anthropic/*"] } })).toEqual(["GW1211 fallbacks.gpt.0"]);
    expect(diagnose({ models, fallbacks: { gpt: ["anthropic/claude-sonnet-4-5"] } })).toEqual(["GW1202 fallbacks.gpt.0"]);
    expect(diagnose({ models, teams: [{ name: "t", models: ["anthropic/*", "gpt"] }] })).toEqual([]);
  });

  it("warns about a wildcard at a provider gw has no prices for", () => {
    expect(diagnose({ models: [{ name: "di/*", deployments: [{ provider: "deepinfra", model: "*" }] }] })).toEqual([
      "GW1401 models.0.deployments.0.model",
    ]);
  });
});

describe("provider options", () => {
  it("requires baseUrl for Azure and per-workspace presets", () => {
    expect(diagnose(one({ provider: "azure", model: "d" }))).toEqual(["GW1212 models.0.deployments.0.provider"]);
    expect(diagnose(one({ model: "databricks/databricks-meta-llama-3-3-70b-instruct" }))).toEqual(["GW1212 models.0.deployments.0.model"]);
    expect(diagnose(one({ provider: "databricks", model: "e", baseUrl: "https://w.cloud.databricks.com/serving-endpoints" }))).toEqual([]);
  });

  it("requires project and region for Vertex AI", () => {
    expect(diagnose(one({ provider: "vertex", model: "gemini-2.5-pro", project: "p" }))).toEqual(["GW1213 models.0.deployments.0.provider"]);
    expect(diagnose(one({ provider: "vertex", model: "gemini-2.5-pro", project: "p", region: "us-central1" }))).toEqual([]);
  });

  it("warns when Bedrock's region comes from the environment", () => {
    expect(diagnose(one({ provider: "bedrock", model: "amazon.nova-pro-v1:0" }))).toEqual(["GW1214 models.0.deployments.0.provider"]);
  });

  it("rejects options the provider does not take", () => {
    expect(
      diagnose(
        one({
          provider: "openai",
          model: "gpt-4o",
          apiVersion: "2024-10-21",
          region: "us-east-1",
          project: "p",
          credentials: { $env: "C" },
          aws: { accessKeyId: { $env: "A" }, secretAccessKey: { $env: "B" } },
        }),
      ),
    ).toEqual([
      "GW1215 models.0.deployments.0.apiVersion",
      "GW1215 models.0.deployments.0.region",
      "GW1215 models.0.deployments.0.project",
      "GW1215 models.0.deployments.0.credentials",
      "GW1215 models.0.deployments.0.aws",
    ]);
  });

  it("warns about literal credentials, and literal values of secret-looking headers only", () => {
    expect(
      diagnose(
        one({
          provider: "bedrock",
          model: "amazon.nova-pro-v1:0",
          region: "us-east-1",
          aws: { accessKeyId: "AKIA-literal", secretAccessKey: { $env: "S" } },
          headers: { "X-Title": "app", "X-Api-Key": "literal" },
        }),
      ),
    ).toEqual(["GW1308 models.0.deployments.0.headers.X-Api-Key", "GW1308 models.0.deployments.0.aws.accessKeyId"]);
  });

  it("rejects headers set twice, computed by the client, or replaced by request signing", () => {
    expect(diagnose(one({ provider: "openai", model: "gpt-4o", headers: { "X-A": "1", "x-a": "2", Host: "h" } }))).toEqual([
      "GW1217 models.0.deployments.0.headers.x-a",
      "GW1217 models.0.deployments.0.headers.Host",
    ]);
    expect(diagnose(one({ provider: "vertex", model: "gemini-2.5-pro", project: "p", region: "r", headers: { Authorization: { $env: "T" } } }))).toEqual([
      "GW1217 models.0.deployments.0.headers.Authorization",
    ]);
    expect(diagnose(one({ provider: "openai", model: "gpt-4o", headers: { Authorization: { $env: "T" } } }))).toEqual([]);
    expect(diagnose(one({ provider: "openai", model: "gpt-4o", headers: { "bad header": "x" } }))).toEqual(["GW1106 models.0.deployments.0.headers.bad header"]);
  });
});
