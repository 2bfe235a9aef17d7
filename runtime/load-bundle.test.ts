import { describe, expect, it } from "vitest";
import { BundleLoadError, loadBundle, MissingEnvError, sha256Hex } from "./load-bundle.ts";
import { createFakeBundle, fakeAdapter, fakeBaseUrl, getFakeProvider } from "./testing/fake-provider.ts";

const teams = [
  { name: "research", budget: { usd: 10, period: "month" as const }, models: ["chat"] },
  { name: "ops", budget: null, models: null },
];

describe("loadBundle", () => {
  it("refuses to start with one error listing every missing variable", () => {
    const bundle = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      masterKey: { env: "GW_MASTER_KEY" },
      teams,
      keys: [{ name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } }],
    });
    let thrown: unknown;
    try {
      loadBundle(bundle, { env: { RESEARCH_KEY: "" }, getProvider: getFakeProvider });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingEnvError);
    expect((thrown as MissingEnvError).missing).toEqual(["FAKE_API_KEY", "GW_MASTER_KEY", "RESEARCH_KEY"]);
    expect((thrown as Error).message).toContain("FAKE_API_KEY, GW_MASTER_KEY, RESEARCH_KEY");
  });

  it("resolves secrets, hashes env keys, defaults the base URL and converts prices per token", () => {
    const bundle = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      masterKey: { env: "GW_MASTER_KEY" },
      teams,
      keys: [
        { name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } },
        { name: "ops-bot", team: "ops", key: { sha256: sha256Hex("ops-secret").toUpperCase() } },
      ],
      price: { input: 3, output: 15 },
    });
    const plan = loadBundle(bundle, {
      env: { FAKE_API_KEY: "sk-up", GW_MASTER_KEY: "master", RESEARCH_KEY: "research-secret" },
      getProvider: getFakeProvider,
    });
    const target = plan.routes.get("chat")?.deployments[0];
    expect(target?.adapter).toBe(fakeAdapter);
    expect(target?.deployment.baseUrl).toBe(fakeBaseUrl);
    expect(target?.deployment.apiKey).toBe("sk-up");
    expect(target?.price?.input).toBeCloseTo(3e-6, 15);
    expect(target?.price?.output).toBeCloseTo(15e-6, 15);
    expect(plan.keys.get(sha256Hex("research-secret"))).toMatchObject({ keyName: "research-ci", team: "research" });
    expect([...(plan.keys.get(sha256Hex("research-secret"))?.models ?? [])]).toEqual(["chat"]);
    expect(plan.keys.get(sha256Hex("ops-secret"))).toMatchObject({ keyName: "ops-bot", team: "ops", models: null });
    expect(Buffer.from(plan.masterKeyDigest ?? []).toString("hex")).toBe(sha256Hex("master"));
    expect(plan.open).toBe(false);
    expect(plan.budgets.get("research")).toEqual({ usd: 10, period: "month" });
    expect(plan.budgets.has("ops")).toBe(false);
  });

  it("is open when there is neither a master key nor team keys", () => {
    const plan = loadBundle(createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] }), {
      env: { FAKE_API_KEY: "x" },
      getProvider: getFakeProvider,
    });
    expect(plan.open).toBe(true);
  });

  it("refuses a provider this build does not know", () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] });
    expect(() => loadBundle(bundle, { env: { FAKE_API_KEY: "x" }, getProvider: () => undefined })).toThrow(BundleLoadError);
  });

  it("refuses a fallback to a model the bundle does not define", () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"], fallbacks: ["ghost"] }] });
    expect(() => loadBundle(bundle, { env: { FAKE_API_KEY: "x" }, getProvider: getFakeProvider })).toThrow(/ghost/);
  });
});
