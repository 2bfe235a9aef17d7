import { describe, expect, it } from "vitest";
import { loadBundle } from "../runtime/load-bundle.ts";
import { createFakeBundle, getFakeProvider } from "../runtime/testing/fake-provider.ts";
import { keyHash } from "../runtime/testing/test-gateway.ts";
import { parseServeArguments, startBanner } from "./serve.ts";

describe("gw serve arguments", () => {
  it("has defaults", () => {
    expect(parseServeArguments([], {})).toEqual({ source: null, port: 4000, host: "0.0.0.0", logFormat: "text", dataDir: ".gw" });
  });

  it("reads every option, in both --name value and --name=value forms", () => {
    expect(parseServeArguments(["bundle.json", "--port", "8080", "--host=127.0.0.1", "--log-format", "json", "--data-dir=/var/gw"], {})).toEqual({
      source: "bundle.json",
      port: 8080,
      host: "127.0.0.1",
      logFormat: "json",
      dataDir: "/var/gw",
    });
  });

  it("takes the port from PORT unless --port is given", () => {
    expect(parseServeArguments([], { PORT: "5000" })).toMatchObject({ port: 5000 });
    expect(parseServeArguments(["--port", "6000"], { PORT: "5000" })).toMatchObject({ port: 6000 });
  });

  it("explains bad input", () => {
    expect(parseServeArguments(["--port", "http"], {})).toContain('invalid port "http"');
    expect(parseServeArguments(["--port"], {})).toContain("--port needs a value");
    expect(parseServeArguments(["--log-format", "xml"], {})).toContain("text or json");
    expect(parseServeArguments(["--verbose"], {})).toContain("unknown option --verbose");
    expect(parseServeArguments(["a.yaml", "b.yaml"], {})).toContain('unexpected argument "b.yaml"');
  });
});

describe("start banner", () => {
  it("shows where gw listens, the store, the bundle, the auth mode and the models with their deployments", () => {
    const bundle = createFakeBundle({
      models: [
        { name: "chat", deployments: [{ model: "a", weight: 3 }, { model: "b", weight: 1 }], fallbacks: ["backup"] },
        { name: "backup", deployments: ["c"] },
      ],
      masterKey: keyHash("master-secret"),
      teams: [{ name: "research", budget: null, models: null }],
      keys: [{ name: "ci", team: "research", key: keyHash("team-secret") }],
    });
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "sk-up" }, getProvider: getFakeProvider });
    const text = startBanner(plan, "http://0.0.0.0:4000", "sqlite .gw/gw.db").join("\n");
    expect(text).toContain("gw listening on http://0.0.0.0:4000");
    expect(text).toContain("store: sqlite .gw/gw.db");
    expect(text).toContain(bundle.hash);
    expect(text).toContain("auth: master key + 1 team key");
    expect(text).toContain("chat -> chat/0 (fake/a, 75%), chat/1 (fake/b, 25%); falls back to backup");
    expect(text).not.toContain("sk-up");
  });

  it("says loudly when the gateway is open", () => {
    const plan = loadBundle(createFakeBundle({ models: [{ name: "chat", deployments: ["a"] }] }), {
      env: { FAKE_API_KEY: "k" },
      getProvider: getFakeProvider,
    });
    expect(startBanner(plan, "http://x:1", "memory").join("\n")).toContain("auth: OPEN");
  });
});
