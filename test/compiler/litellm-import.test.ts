/**
 * `gw import`: the LiteLLM config of the valid-litellm golden case turned into a typed
 * gateway.config.ts (and YAML); the output is pinned (litellm-import/expected.gateway.config.ts),
 * checks clean, and compiles to the same routing table as the LiteLLM file served as is.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runGw } from "./run-gw.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const repository = join(here, "..", "..");
const litellm = join(here, "valid-litellm", "gateway.config.yaml");
const pinned = join(here, "litellm-import", "expected.gateway.config.ts");
const update = process.env["UPDATE_GOLDEN"] === "1";
const environment = {
  AZURE_API_KEY: "az-secret-value",
  OPENAI_API_KEY: "sk-openai-secret-value",
  ANTHROPIC_API_KEY: "sk-ant-secret-value",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "aws-secret-value",
  LITELLM_MASTER_KEY: "sk-master-secret-value",
};

// Inside the repository, so the imported config's `gw-gateway/config` resolves (the package itself).
mkdirSync(join(repository, ".gw"), { recursive: true });
const directory = mkdtempSync(join(repository, ".gw", "import-test-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function routesOf(config: string): Promise<unknown> {
  const out = join(directory, `${Math.random().toString(36).slice(2)}.json`);
  const built = await runGw(["build", config, "--out", out], directory, environment);
  expect(built.code, built.stderr).toBe(0);
  return (JSON.parse(readFileSync(out, "utf8")) as { routes: unknown }).routes;
}

describe("gw import", () => {
  it("writes a typed gateway.config.ts that checks clean and routes as the LiteLLM file does", async () => {
    copyFileSync(litellm, join(directory, "config.yaml"));
    const imported = await runGw(["import", "config.yaml"], directory, environment);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe("gateway.config.ts written (checks clean)\n");
    const text = readFileSync(join(directory, "gateway.config.ts"), "utf8");
    if (update) writeFileSync(pinned, text);
    else expect(text).toBe(readFileSync(pinned, "utf8"));
    for (const secret of Object.values(environment)) expect(text).not.toContain(secret);
    expect(await routesOf("gateway.config.ts")).toEqual(await routesOf("config.yaml"));
  });

  it("--format yaml writes gateway.config.yaml; an existing file is kept unless --force", async () => {
    const written = await runGw(["import", "config.yaml", "--format", "yaml"], directory, environment);
    expect(written.code).toBe(0);
    expect(existsSync(join(directory, "gateway.config.yaml"))).toBe(true);
    expect(await routesOf("gateway.config.yaml")).toEqual(await routesOf("config.yaml"));
    const again = await runGw(["import", "config.yaml", "--format", "yaml"], directory, environment);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists; pass --force");
    expect((await runGw(["import", "config.yaml", "--format", "yaml", "--force"], directory, environment)).code).toBe(0);
  });

  it("refuses a file that is not a LiteLLM config, and one with entries it cannot read", async () => {
    writeFileSync(join(directory, "native.yaml"), "models:\n  - name: a\n    deployments: [{provider: mock, model: x}]\n");
    const native = await runGw(["import", "native.yaml", "--out", "out.ts"], directory);
    expect(native.code).toBe(1);
    expect(native.stderr).toContain("is not a LiteLLM config");
    copyFileSync(join(here, "litellm-broken", "gateway.config.yaml"), join(directory, "broken.yaml"));
    const broken = await runGw(["import", "broken.yaml", "--out", "broken.ts"], directory);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("broken.yaml:13:5 error GW1502");
    expect(existsSync(join(directory, "broken.ts"))).toBe(false);
  });
});
