import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Bundle } from "../../contract/bundle.ts";
import { type ConfigEntities, configEntitiesFromPlan } from "../governance/config-entities.ts";
import { createGovernanceCache } from "../governance/governance-cache.ts";
import { sampleKey, sampleTeam } from "../stores/contracts/governance-store-contract.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";
import type { GovernanceStore } from "../stores/ports.ts";
import type { Caller } from "../start/plan.ts";
import { isModelAllowed } from "../auth/authenticate.ts";
import { createManagedKeyLookup } from "../auth/managed-callers.ts";
import { createAdminHarness, masterKey, startTime } from "./admin-test-support.ts";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("admin authorization", () => {
  it("answers 401 or 403 from authorizeAdmin and changes nothing", async () => {
    const admin = createAdminHarness();
    const anonymous = await admin.request("POST", "/key/generate", {}, { authorization: "" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    const teamKey = await admin.request("POST", "/team/new", { team_id: "x" }, { authorization: "Bearer team-key" });
    expect(teamKey.status).toBe(403);
    expect(teamKey.json.error.type).toBe("permission_error");
    expect((await admin.request("GET", "/key/list", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await admin.request("GET", "/audit/list", undefined, { authorization: "" })).status).toBe(401);
    expect(await admin.store.listKeys()).toEqual([]);
    expect(await admin.store.listTeams()).toEqual([]);
    // The master key's answers do not echo it.
    expect((await admin.post("/key/generate", {})).text).not.toContain(masterKey);
  });

  it("answers 405 for the wrong method", async () => {
    const admin = createAdminHarness();
    const wrong = await admin.get("/key/generate");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect((await admin.request("POST", "/key/list", {})).headers.get("allow")).toBe("GET");
  });
});

describe("GET /audit/list", () => {
  it("records who changed what, with the entity before and after, and never a key", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", { key_alias: "audited", max_budget: 1 });
    admin.setNow(startTime + 1000);
    await admin.post("/key/update", { key: created.json.token, max_budget: 2 });
    const regenerated = await admin.post("/key/regenerate", { key: created.json.token });
    await admin.post("/key/delete", { keys: [created.json.token] });

    const audit = await admin.get("/audit/list");
    expect(audit.status).toBe(200);
    const entries = audit.json.data;
    expect(entries.map((entry: { action: string }) => entry.action)).toEqual(["key.delete", "key.regenerate", "key.update", "key.generate"]);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(["action", "actor", "after", "at", "before", "entity", "entity_id", "id"]);
      expect(entry).toMatchObject({ actor: "master", entity: "key", entity_id: created.json.token });
    }
    const [deleted, rotated, updated, generated] = entries;
    expect(generated.before).toBeNull();
    expect(generated.after).toMatchObject({ token: created.json.token, key_alias: "audited", max_budget: 1 });
    expect(generated.at).toBe(new Date(startTime).toISOString());
    expect([updated.before.max_budget, updated.after.max_budget]).toEqual([1, 2]);
    expect(updated.at).toBe(new Date(startTime + 1000).toISOString());
    expect(rotated.before.key_hash_prefix).toBe(sha256(created.json.key).slice(0, 12));
    expect(rotated.after.key_hash_prefix).toBe(sha256(regenerated.json.key).slice(0, 12));
    expect(deleted.after).toBeNull();
    expect(audit.text).not.toContain(created.json.key);
    expect(audit.text).not.toContain(regenerated.json.key);
    expect(audit.text).not.toContain(sha256(created.json.key));
  });

  it("filters by entity and id, and pages back with `before`", async () => {
    const admin = createAdminHarness();
    for (let index = 0; index < 5; index++) await admin.post("/team/new", { team_id: `t${index}` });
    await admin.post("/customer/new", { user_id: "acme" });
    await admin.post("/team/update", { team_id: "t1", rpm_limit: 1 });

    const teams = await admin.get("/audit/list?entity=team&limit=2");
    expect(teams.json.data.map((entry: { entity_id: string }) => entry.entity_id)).toEqual(["t1", "t4"]);
    expect(teams.json.next_cursor).toBe(teams.json.data[1].id);
    const next = await admin.get(`/audit/list?entity=team&limit=2&before=${teams.json.next_cursor}`);
    expect(next.json.data.map((entry: { entity_id: string }) => entry.entity_id)).toEqual(["t3", "t2"]);
    const rest = await admin.get(`/audit/list?entity=team&limit=10&before=${next.json.next_cursor}`);
    expect(rest.json).toMatchObject({ next_cursor: null });
    expect(rest.json.data.map((entry: { entity_id: string }) => entry.entity_id)).toEqual(["t1", "t0"]);
    const one = await admin.get("/audit/list?entity=team&entity_id=t1");
    expect(one.json.data.map((entry: { action: string }) => entry.action)).toEqual(["team.update", "team.new"]);
    expect((await admin.get("/audit/list?entity=customer")).json.data.map((entry: { entity_id: string }) => entry.entity_id)).toEqual(["acme"]);

    expect((await admin.get("/audit/list?entity=organization")).json.error).toMatchObject({ param: "entity", code: "invalid_parameter" });
    expect((await admin.get("/audit/list?limit=0")).json.error.param).toBe("limit");
  });
});

describe("entities declared in the config", () => {
  const bundlePolicy: Bundle["policy"] = {
    masterKey: null,
    teams: { research: { name: "research", budget: { usd: 50, period: "month" }, models: ["gpt-4o"] } },
    keys: [{ name: "research-bot", team: "research", key: { sha256: sha256("sk-config-key-value-0001") } }],
  };
  const callers = new Map<string, Caller>([
    [sha256("sk-config-key-value-0001"), { kind: "key", keyName: "research-bot", team: "research", models: new Set(["gpt-4o"]), modelPrefixes: [] }],
  ]);
  const config: ConfigEntities = configEntitiesFromPlan({ teams: new Map(Object.entries(bundlePolicy.teams)), keys: callers }, "2025-01-01T00:00:00.000Z");

  it("turns the config's teams and keys into read-only managed entities", () => {
    expect(config.teams).toEqual([
      expect.objectContaining({ teamId: "research", models: ["gpt-4o"], maxBudget: 50, budgetDuration: "1mo", fromConfig: true }),
    ]);
    expect(config.keys).toEqual([
      expect.objectContaining({ keyId: "config:research-bot", keyHash: sha256("sk-config-key-value-0001"), keyAlias: "research-bot", teamId: "research", fromConfig: true }),
    ]);
  });

  it("shows them beside the API's, and refuses to change them with a 403", async () => {
    const admin = createAdminHarness({ configEntities: config });
    await admin.post("/team/new", { team_id: "api-team" });
    expect((await admin.get("/team/list")).json.map((team: { team_id: string; from_config: boolean }) => [team.team_id, team.from_config])).toEqual([
      ["research", true],
      ["api-team", false],
    ]);
    expect((await admin.get("/key/info?key=config:research-bot")).json.info).toMatchObject({ key_alias: "research-bot", from_config: true });
    expect((await admin.get("/key/info?key=sk-config-key-value-0001")).json.info.token).toBe("config:research-bot");
    expect((await admin.get("/key/list")).json.keys).toEqual(["config:research-bot"]);

    const refusals = [
      await admin.post("/team/update", { team_id: "research", max_budget: 1000 }),
      await admin.post("/team/delete", { team_ids: ["research"] }),
      await admin.post("/team/block", { team_id: "research" }),
      await admin.post("/team/new", { team_id: "research" }),
      await admin.post("/key/update", { key: "config:research-bot", max_budget: 1 }),
      await admin.post("/key/delete", { keys: ["config:research-bot"] }),
      await admin.post("/key/delete", { key_aliases: ["research-bot"] }),
      await admin.post("/key/regenerate", { key: "sk-config-key-value-0001" }),
      await admin.post("/key/block", { key: "config:research-bot" }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(403);
      expect(refusal.json.error).toMatchObject({ type: "permission_error", code: "config_entity_read_only" });
    }
    expect(await admin.store.listTeams()).toEqual([expect.objectContaining({ teamId: "api-team" })]);
    expect(await admin.store.listKeys()).toEqual([]);
    expect((await admin.get("/audit/list")).json.data.map((entry: { action: string }) => entry.action)).toEqual(["team.new"]);

    // API keys may belong to a config team, within its models.
    expect((await admin.post("/key/generate", { team_id: "research", models: ["gpt-4o"] })).status).toBe(200);
    expect((await admin.post("/key/generate", { team_id: "research", models: ["o3"] })).json.error.code).toBe("model_not_allowed");
    // A chosen key value may not take over the config key.
    expect((await admin.post("/key/generate", { key: "sk-config-key-value-0001" })).json.error.code).toBe("duplicate_key");
  });
});

describe("when the governance store fails", () => {
  it("answers 503 in OpenAI's error shape", async () => {
    const inner = createMemoryGovernanceStore();
    const broken: GovernanceStore = { ...inner, listKeys: () => Promise.reject(new Error("connection refused")), putTeam: () => Promise.reject(new Error("disk full")) };
    const admin = createAdminHarness({ store: broken });
    for (const answer of [await admin.get("/key/list"), await admin.post("/key/generate", {}), await admin.post("/team/new", { team_id: "t" })]) {
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatchObject({ type: "api_error", code: "governance_store_unavailable" });
      expect(answer.headers.get("retry-after")).toBe("1");
    }
  });
});

describe("with the governance cache", () => {
  it("a key works on the request path as soon as /key/generate answers, and stops at once when regenerated or deleted", async () => {
    const store = createMemoryGovernanceStore({ teams: [sampleTeam()] });
    const cache = createGovernanceCache(store);
    await cache.ready;
    const admin = createAdminHarness({ store, afterChange: () => cache.whenFresh() });

    const created = await admin.post("/key/generate", { team_id: "search", rpm_limit: 7 });
    expect(cache.lookupKey(sha256(created.json.key))).toMatchObject({ keyId: created.json.token, rpmLimit: 7 });

    await admin.post("/key/update", { key: created.json.token, rpm_limit: 8 });
    expect(cache.lookupKey(sha256(created.json.key))?.rpmLimit).toBe(8);

    const regenerated = await admin.post("/key/regenerate", { key: created.json.token });
    expect(cache.lookupKey(sha256(created.json.key))).toBeNull();
    expect(cache.lookupKey(sha256(regenerated.json.key))?.keyId).toBe(created.json.token);

    await admin.post("/team/block", { team_id: "search" });
    expect(cache.team("search")?.blocked).toBe(true);

    await admin.post("/key/delete", { keys: [created.json.token] });
    expect(cache.lookupKey(sha256(regenerated.json.key))).toBeNull();
    cache.close();
  });

  it("a key with models [\"all-team-models\"] may call what its team may, as the team's list changes", async () => {
    const store = createMemoryGovernanceStore({ teams: [sampleTeam({ models: ["gpt-4o"] })] });
    const cache = createGovernanceCache(store);
    await cache.ready;
    const admin = createAdminHarness({ store, afterChange: () => cache.whenFresh() });
    const lookup = createManagedKeyLookup(cache, () => startTime);
    const created = await admin.post("/key/generate", { team_id: "search", models: ["all-team-models"] });
    const caller = () => lookup(sha256(created.json.key)) as Caller;
    expect(isModelAllowed(caller(), "gpt-4o")).toBe(true);
    expect(isModelAllowed(caller(), "o3")).toBe(false);
    await admin.post("/team/update", { team_id: "search", models: ["gpt-4o", "o3"] });
    expect(isModelAllowed(caller(), "o3")).toBe(true);
    cache.close();
  });

  it("is given stored keys the admin API did not create too", async () => {
    const store = createMemoryGovernanceStore({ keys: [sampleKey()] });
    const admin = createAdminHarness({ store });
    expect((await admin.get("/key/info?key=key_0001")).json.info).toMatchObject({ key_alias: "ci-bot", key_hash_prefix: "a".repeat(12) });
  });
});
