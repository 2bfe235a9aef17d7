import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Bundle } from "../../contract/bundle.ts";
import { runGw } from "./run-gw.ts";

/** The shipped examples compile without errors or warnings, through the real CLI. */

const repository = fileURLToPath(new URL("../..", import.meta.url));
const output = mkdtempSync(join(tmpdir(), "gw-examples-"));
afterAll(() => rmSync(output, { recursive: true, force: true }));

async function build(config: string): Promise<Bundle> {
  const out = join(output, `${config.replace(/[/.]/g, "-")}.json`);
  const result = await runGw(["build", config, "--out", out], repository);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(readFileSync(out, "utf8")) as Bundle;
}

describe("examples", () => {
  it("quickstart uses only the mock provider and needs no keys", async () => {
    const bundle = await build("examples/quickstart/gateway.config.ts");
    const deployments = Object.values(bundle.routes).flatMap((route) => route.deployments);
    expect(deployments.length).toBeGreaterThan(0);
    expect(new Set(deployments.map((deployment) => deployment.provider))).toEqual(new Set(["mock"]));
    expect(bundle.env).toEqual([]);
  });

  it("openai-anthropic compiles the same from TypeScript and from YAML", async () => {
    const fromTypescript = await build("examples/openai-anthropic/gateway.config.ts");
    const fromYaml = await build("examples/openai-anthropic/gateway.config.yaml");
    const { hash: _a, source: _b, ...typescriptContent } = fromTypescript;
    const { hash: _c, source: _d, ...yamlContent } = fromYaml;
    expect(yamlContent).toEqual(typescriptContent);
    expect(Object.keys(fromTypescript.routes)).toEqual(["gpt-4o", "gpt-4o-mini", "claude-sonnet", "claude-haiku"]);
    expect(fromTypescript.routes["gpt-4o"]!.cumulativeWeights).toEqual([0.75, 1]);
    expect(fromTypescript.routes["gpt-4o"]!.fallbacks).toEqual(["claude-sonnet", "claude-haiku"]);
    expect(fromTypescript.policy.masterKey).toEqual({ env: "GW_MASTER_KEY" });
    for (const deployment of Object.values(fromTypescript.routes).flatMap((route) => route.deployments)) {
      expect(deployment.price?.source, deployment.id).toBe("genai-prices");
    }
  });

  it("providers compiles every native provider, presets, shorthand and wildcards without a warning", async () => {
    const bundle = await build("examples/providers/gateway.config.ts");
    const deployments = Object.values(bundle.routes).flatMap((route) => route.deployments);
    const providers = new Set(deployments.map((deployment) => deployment.provider));
    for (const native of ["openai", "anthropic", "azure", "gemini", "vertex", "bedrock", "cohere", "mistral", "ollama", "mock"]) {
      expect(providers, native).toContain(native);
    }
    for (const preset of ["groq", "together", "deepseek", "xai", "vllm", "databricks", "openrouter"]) expect(providers, preset).toContain(preset);
    expect(bundle.routes["anthropic/*"]!.wildcardPrefix).toBe("anthropic/");
    expect(bundle.env).toContain("GOOGLE_SERVICE_ACCOUNT_JSON");
    expect(bundle.optionalEnv).toEqual(["AWS_SESSION_TOKEN", "VLLM_API_KEY"]);
    for (const deployment of deployments) {
      // Every price is known at build time, except wildcard models' (looked up per requested model).
      if (deployment.model.includes("*") && deployment.provider !== "ollama") expect(deployment.price, deployment.id).toBeNull();
      else expect(deployment.price, deployment.id).not.toBeNull();
    }
  });
});
