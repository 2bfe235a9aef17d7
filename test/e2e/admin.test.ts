/**
 * End to end: keys managed through the LiteLLM-compatible admin API of the real `gw serve`
 * (embedded SQLite governance store) authenticate chat requests, obey blocking and team model
 * lists, are audited without their secret, and survive a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createClient, getRaw, postRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const masterKey = "sk-gw-master-admin-e2e";
let directory: string;
let config: string;
let gateway: GatewayProcess;
const hello = [{ role: "user" as const, content: "Hello from a managed key" }];

function start(): Promise<GatewayProcess> {
  return startGateway({ config, dataDir: `${directory}/data`, env: { GW_MASTER_KEY: masterKey } });
}

beforeAll(async () => {
  directory = createTestDirectory("e2e-admin");
  config = writeConfig(directory, {
    models: [
      { name: "chat", deployments: [{ provider: "mock", model: "mock-1" }] },
      { name: "other", deployments: [{ provider: "mock", model: "mock-2" }] },
    ],
    teams: [{ name: "research", models: ["chat"] }],
    masterKey: { $env: "GW_MASTER_KEY" },
  });
  gateway = await start();
});

afterAll(async () => {
  await gateway?.stop();
  removeTestDirectory(directory);
});

describe("admin API on gw serve", () => {
  let key = "";
  let token = "";

  test("the master key generates a key, shown once", async () => {
    const response = await postRaw(gateway, { team_id: "research", key_alias: "notebook" }, { apiKey: masterKey, path: "/key/generate" });
    expect(response.status).toBe(200);
    const body = response.json as { key: string; token: string; key_alias: string; team_id: string };
    expect(body.key).toMatch(/^sk-gw-/);
    expect(body.key_alias).toBe("notebook");
    key = body.key;
    token = body.token;
    const info = await getRaw(gateway, `/key/info?key=${encodeURIComponent(token)}`, masterKey);
    expect(info.status).toBe(200);
    expect(info.text).not.toContain(key);
  });

  test("the generated key calls its team's models and nothing else", async () => {
    const completion = await createClient(gateway, key).chat.completions.create({ model: "chat", messages: hello });
    expect(completion.choices[0]?.message.content).toContain("Hello from a managed key");
    const forbidden = await postRaw(gateway, { model: "other", messages: hello }, { apiKey: key });
    expect(forbidden.status).toBe(403);
  });

  test("a key with LiteLLM's models [\"all-team-models\"] calls its team's models and nothing else", async () => {
    const created = await postRaw(gateway, { team_id: "research", models: ["all-team-models"] }, { apiKey: masterKey, path: "/key/generate" });
    expect(created.status).toBe(200);
    const body = created.json as { key: string; key_name: string };
    expect(body.key_name).toBe(`sk-...${body.key.slice(-4)}`);
    expect((await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: body.key })).status).toBe(200);
    expect((await postRaw(gateway, { model: "other", messages: hello }, { apiKey: body.key })).status).toBe(403);
  });

  test("a non-admin key may not call the admin API; no key at all is a 401", async () => {
    expect((await postRaw(gateway, {}, { apiKey: key, path: "/key/generate" })).status).toBe(403);
    expect((await postRaw(gateway, {}, { path: "/key/generate" })).status).toBe(401);
  });

  test("a blocked key is refused at once, and works again when unblocked", async () => {
    expect((await postRaw(gateway, { key: token }, { apiKey: masterKey, path: "/key/block" })).status).toBe(200);
    const refused = await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key });
    expect(refused.status).toBe(401);
    expect((refused.json as { error: { code: string } }).error.code).toBe("blocked_api_key");
    expect((await postRaw(gateway, { key: token }, { apiKey: masterKey, path: "/key/unblock" })).status).toBe(200);
    expect((await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key })).status).toBe(200);
  });

  test("every change is audited, never with the key itself", async () => {
    const audit = await getRaw(gateway, "/audit/list", masterKey);
    expect(audit.status).toBe(200);
    const actions = (audit.json as { data: Array<{ action: string; actor: string }> }).data.map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(["key.generate", "key.block", "key.unblock"]));
    expect(audit.text).not.toContain(key);
  });

  test("the key survives a restart; its secret appears in no log", async () => {
    const logs = gateway.stdout() + gateway.stderr();
    await gateway.stop();
    expect(logs).not.toContain(key);
    gateway = await start();
    expect((await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key })).status).toBe(200);
  });
});
