/** In-process library use: createGateway from a config, a bundle file, or a bundle object. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileConfig } from "../compiler/index.ts";
import { BundleLoadError, createGateway, createMemorySpendStore, MissingEnvError } from "./index.ts";

const directory = mkdtempSync(join(tmpdir(), "gw-runtime-index-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const configPath = join(directory, "gateway.config.yaml");
writeFileSync(
  configPath,
  [
    "models:",
    "  - name: mock-chat",
    "    deployments:",
    "      - provider: mock",
    "        model: mock-1",
    "        price: { inputPerMTok: 1, outputPerMTok: 2 }",
    "masterKey: os.environ/GW_TEST_MASTER_KEY",
    "",
  ].join("\n"),
);

const request = (key: string) =>
  new Request("http://gw.local/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-chat", messages: [{ role: "user", content: "hi" }] }),
  });

describe("createGateway", () => {
  it("compiles a config in memory and serves it through its fetch handler", async () => {
    const store = createMemorySpendStore();
    const gateway = await createGateway({ source: configPath, env: { GW_TEST_MASTER_KEY: "master" }, store });
    const response = await gateway.fetch(request("master"));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe("chat.completion");
    expect((await gateway.fetch(request("wrong"))).status).toBe(401);
    expect(store.records).toHaveLength(1);
    await gateway.close();
  });

  it("loads a bundle file and a bundle object", async () => {
    const { bundle } = await compileConfig(configPath, { cwd: directory, env: {} });
    expect(bundle).not.toBeNull();
    const bundlePath = join(directory, "bundle.json");
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const fromFile = await createGateway({ source: bundlePath, env: { GW_TEST_MASTER_KEY: "m" } });
    expect((await fromFile.fetch(request("m"))).status).toBe(200);
    const fromObject = await createGateway({ source: bundle!, env: { GW_TEST_MASTER_KEY: "m" } });
    expect((await fromObject.fetch(request("m"))).status).toBe(200);
  });

  it("refuses a bundle that does not pass the bundle schema", async () => {
    const bundlePath = join(directory, "broken.json");
    writeFileSync(bundlePath, JSON.stringify({ version: 1, routes: {} }));
    await expect(createGateway({ source: bundlePath, env: {} })).rejects.toBeInstanceOf(BundleLoadError);
  });

  it("refuses to start when env references are missing", async () => {
    await expect(createGateway({ source: configPath, env: {} })).rejects.toBeInstanceOf(MissingEnvError);
  });
});
