import { describe, expect, it } from "vitest";
import { analyzeConfig } from "./pipeline.ts";

/** Codes and paths of the diagnostics for a config (file positions are covered by the golden cases in test/compiler). */
function diagnose(config: unknown): string[] {
  const { diagnostics } = analyzeConfig(config, { format: "typescript", environment: {}, source: "gateway.config.ts", compile: false });
  return diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.path.join(".")}`);
}

const deployment = (limits: Record<string, unknown> = {}) => ({ provider: "mock", model: "x", ...limits });

describe("usage routing", () => {
  it("warns at the model's strategy when none of its deployments has rpmLimit or tpmLimit", () => {
    const model = (deployments: unknown[]) => ({ models: [{ name: "m", routing: { strategy: "usage" }, deployments }] });
    expect(diagnose(model([deployment(), deployment({ maxParallelRequests: 4 })]))).toEqual(["GW1218 models.0.routing.strategy"]);
    expect(diagnose(model([deployment(), deployment({ rpmLimit: 100 })]))).toEqual([]);
    expect(diagnose(model([deployment({ tpmLimit: 10_000 })]))).toEqual([]);
  });

  it("warns at the top-level strategy for each model that inherits it, not for a model that overrides it", () => {
    const config = {
      routing: { strategy: "usage" },
      models: [
        { name: "inherits", deployments: [deployment()] },
        { name: "overrides", routing: { strategy: "latency" }, deployments: [deployment()] },
        { name: "limited", deployments: [deployment({ rpmLimit: 10 })] },
      ],
    };
    expect(diagnose(config)).toEqual(["GW1218 routing.strategy"]);
  });

  it("reports an invalid limit once, through the schema", () => {
    expect(diagnose({ models: [{ name: "m", routing: { strategy: "usage" }, deployments: [deployment({ rpmLimit: 0 })] }] })).toEqual([
      "GW1105 models.0.deployments.0.rpmLimit",
    ]);
  });
});
