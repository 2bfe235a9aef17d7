import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { toTypeScriptConfig, toYamlConfig } from "./start-gw.ts";
import type { GatewayConfig } from "../../compiler/define-config.ts";

const config: GatewayConfig = {
  models: [{ name: "m", deployments: [{ provider: "openai", model: "gpt", apiKey: { $env: "OPENAI_API_KEY" } }] }],
  keys: [{ name: "k", team: "t", key: { $env: "TEAM_KEY" } }],
  teams: [{ name: "t" }],
  masterKey: { $env: "MASTER" },
};

describe("temporary configs", () => {
  test("YAML writes env references as os.environ/NAME", () => {
    const parsed = parse(toYamlConfig(config)) as { models: Array<{ deployments: Array<{ apiKey: string }> }>; masterKey: string };
    expect(parsed.models[0]?.deployments[0]?.apiKey).toBe("os.environ/OPENAI_API_KEY");
    expect(parsed.masterKey).toBe("os.environ/MASTER");
  });

  test("TypeScript imports gw-gateway/config and writes env references as env(NAME)", () => {
    const source = toTypeScriptConfig(config);
    expect(source).toContain('import { defineConfig, env } from "gw-gateway/config";');
    expect(source).toContain('"apiKey": env("OPENAI_API_KEY")');
    expect(source).toContain('"masterKey": env("MASTER")');
    expect(source).not.toContain("$env");
  });
});
