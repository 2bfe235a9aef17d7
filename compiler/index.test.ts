import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkConfig, compileConfig, findConfigFile, formatDiagnostics, validateBundle } from "./index.ts";

/** The public API in-process, on YAML configs (TypeScript configs need Bun: see test/compiler/golden.test.ts). */

const repository = fileURLToPath(new URL("..", import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), "gw-api-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe("compiler API", () => {
  it("compiles a config relative to cwd, with the env given", async () => {
    const result = await compileConfig("examples/openai-anthropic/gateway.config.yaml", {
      cwd: repository,
      env: { GW_MASTER_KEY: "master-secret-for-test" },
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.path).toBe(join(repository, "examples/openai-anthropic/gateway.config.yaml"));
    expect(result.bundle?.source).toBe("examples/openai-anthropic/gateway.config.yaml");
    expect(result.bundle?.policy.masterKey).toHaveProperty("sha256");
    expect(result.bundle?.env).not.toContain("GW_MASTER_KEY");
    expect(JSON.stringify(result.bundle)).not.toContain("master-secret-for-test");
    expect(validateBundle(result.bundle)).toEqual([]);
  });

  it("returns placed diagnostics and no bundle for a broken config", async () => {
    const directory = mkdtempSync(join(workspace, "broken-"));
    writeFileSync(join(directory, "gateway.config.yml"), "models:\n  - name: a\n    deployments:\n      - provider: mock\n        model: a\n        weight: -3\n");
    expect(findConfigFile(directory)).toBe(join(directory, "gateway.config.yml"));
    const checked = await checkConfig(undefined, { cwd: directory, env: {} });
    expect(checked.diagnostics).toEqual([
      {
        code: "GW1105",
        severity: "error",
        message: "models[0].deployments[0].weight must be a number >= 0, got -3.",
        path: ["models", 0, "deployments", 0, "weight"],
        file: join(directory, "gateway.config.yml"),
        line: 6,
        column: 9,
      },
    ]);
    const compiled = await compileConfig(undefined, { cwd: directory, env: {} });
    expect(compiled.bundle).toBeNull();
    expect(formatDiagnostics(compiled.diagnostics, "text", { cwd: directory })).toBe(
      "gateway.config.yml:6:9 error GW1105 models[0].deployments[0].weight must be a number >= 0, got -3.\n\n1 error, 0 warnings\n",
    );
  });

  it("finds no config in an empty folder", async () => {
    const directory = mkdtempSync(join(workspace, "empty-"));
    expect(findConfigFile(directory)).toBeNull();
    const checked = await checkConfig(undefined, { cwd: directory });
    expect(checked.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1001"]);
  });
});
