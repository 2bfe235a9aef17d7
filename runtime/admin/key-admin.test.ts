import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAdminHarness, masterKey, startTime } from "./admin-test-support.ts";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

function expectError(call: { status: number; json: { error: { message: string; type: string; param: string | null; code: string | null } } }, status: number, param: string | null, code?: string) {
  expect(call.status).toBe(status);
  expect(Object.keys(call.json.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(call.json.error.param).toBe(param);
  if (code !== undefined) expect(call.json.error.code).toBe(code);
}

describe("POST /key/generate", () => {
  it("creates a key from LiteLLM's fields and shows the key once", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search", models: ["gpt-4o", "anthropic/*"] });
    const created = await admin.post("/key/generate", {
      key_alias: "ci-bot",
      team_id: "search",
      user_id: "ada",
      models: ["gpt-4o", "anthropic/claude-sonnet"],
      max_budget: 25,
      soft_budget: 20,
      budget_duration: "1mo",
      duration: "30d",
      rpm_limit: 60,
      tpm_limit: 100_000,
      max_parallel_requests: 4,
      metadata: { owner: "platform" },
      tags: ["ci"],
    });
    expect(created.status).toBe(200);
    const secret: string = created.json.key;
    expect(secret).toMatch(/^sk-gw-[A-Za-z0-9_-]{32,}$/);
    expect(created.json).toMatchObject({
      token: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      token_id: created.json.token,
      key_name: `sk-...${secret.slice(-4)}`,
      key_alias: "ci-bot",
      key_hash_prefix: sha256(secret).slice(0, 12),
      team_id: "search",
      user_id: "ada",
      models: ["gpt-4o", "anthropic/claude-sonnet"],
      max_budget: 25,
      soft_budget: 20,
      budget_duration: "1mo",
      rpm_limit: 60,
      tpm_limit: 100_000,
      max_parallel_requests: 4,
      metadata: { owner: "platform" },
      tags: ["ci"],
      blocked: false,
      admin: false,
      from_config: false,
      expires: new Date(startTime + 30 * 86_400_000).toISOString(),
      spend: 0,
      created_at: new Date(startTime).toISOString(),
    });

    // Stored as LiteLLM's fields mapped to gw's entity, with the key's hash and never the key.
    const [stored] = await admin.store.listKeys();
    expect(stored).toMatchObject({
      keyId: created.json.token,
      keyHash: sha256(secret),
      keyAlias: "ci-bot",
      teamId: "search",
      userId: "ada",
      maxBudget: 25,
      softBudget: 20,
      budgetDuration: "1mo",
      rpmLimit: 60,
      tpmLimit: 100_000,
      maxParallelRequests: 4,
      tags: ["ci"],
      expiresAt: new Date(startTime + 30 * 86_400_000).toISOString(),
    });
    expect(await admin.dump()).not.toContain(secret);
  });

  it("never shows the key again: not in info, list, audit or the store", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", { key_alias: "once" });
    const secret: string = created.json.key;
    const token: string = created.json.token;
    const answers = [
      await admin.get(`/key/info?key=${encodeURIComponent(secret)}`),
      await admin.get(`/key/info?key=${token}`),
      await admin.get("/key/list"),
      await admin.get("/key/list?return_full_object=true"),
      await admin.get("/audit/list"),
      await admin.post("/key/update", { key: secret, max_budget: 3 }),
      await admin.post("/key/block", { key: secret }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(secret);
    }
    expect(await admin.dump()).not.toContain(secret);
    const second = await admin.post("/key/generate", {});
    expect(second.json.key).not.toBe(secret);
    expect(second.json.token).not.toBe(token);
  });

  it("counts `duration` in calendar months for \"mo\" and leaves keys without one unexpiring", async () => {
    const admin = createAdminHarness();
    admin.setNow(Date.parse("2025-01-31T10:00:00.000Z"));
    expect((await admin.post("/key/generate", { duration: "1mo" })).json.expires).toBe("2025-02-28T10:00:00.000Z");
    expect((await admin.post("/key/generate", { duration: "12h" })).json.expires).toBe("2025-01-31T22:00:00.000Z");
    expect((await admin.post("/key/generate", {})).json.expires).toBeNull();
  });

  it("accepts numbers sent as strings, like LiteLLM", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", { max_budget: "10.5", rpm_limit: "30", blocked: "false", max_budget_unused: undefined });
    expect(created.status).toBe(200);
    expect([created.json.max_budget, created.json.rpm_limit, created.json.blocked]).toEqual([10.5, 30, false]);
  });

  it("refuses bad values with a 400 naming the field", async () => {
    const admin = createAdminHarness();
    const cases: Array<[unknown, string | null, string]> = [
      [{ max_budget: -1 }, "max_budget", "invalid_parameter"],
      [{ soft_budget: "lots" }, "soft_budget", "invalid_parameter"],
      [{ rpm_limit: 1.5 }, "rpm_limit", "invalid_parameter"],
      [{ tpm_limit: -5 }, "tpm_limit", "invalid_parameter"],
      [{ max_parallel_requests: true }, "max_parallel_requests", "invalid_parameter"],
      [{ budget_duration: "2 weeks" }, "budget_duration", "invalid_parameter"],
      [{ duration: "forever" }, "duration", "invalid_parameter"],
      [{ models: "gpt-4o" }, "models", "invalid_parameter"],
      [{ models: ["ok", 3] }, "models[1]", "invalid_parameter"],
      [{ metadata: ["not", "an", "object"] }, "metadata", "invalid_parameter"],
      [{ tags: [""] }, "tags[0]", "invalid_parameter"],
      [{ key_alias: "" }, "key_alias", "invalid_parameter"],
      [{ blocked: "maybe" }, "blocked", "invalid_parameter"],
      [{ key: "short" }, "key", "invalid_parameter"],
      [{ key_type: "read_only" }, "key_type", "unsupported_parameter"],
      [{ max_budgets: 10 }, "max_budgets", "unknown_parameter"],
      [{ model_max_budget: { "gpt-4o": 5 } }, "model_max_budget", "unsupported_parameter"],
      [{ spend: 4 }, "spend", "unsupported_parameter"],
      [{ organization_id: "org-1" }, "organization_id", "unsupported_parameter"],
      ["{not json", null, "invalid_json"],
      ["[1, 2]", null, "invalid_json"],
    ];
    for (const [body, param, code] of cases) {
      const answer = await admin.post("/key/generate", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expectError(answer, 400, param, code);
      expect(answer.json.error.type).toBe("invalid_request_error");
    }
    expect(await admin.store.listKeys()).toEqual([]);
  });

  it("accepts LiteLLM's defaults for fields gw ignores, and says which it ignored", async () => {
    const admin = createAdminHarness();
    const answer = await admin.post("/key/generate", {
      aliases: {},
      config: {},
      permissions: {},
      model_max_budget: {},
      allowed_cache_controls: [],
      spend: 0,
      send_invite_email: false,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-gw-ignored-fields")?.split("; ").sort()).toEqual(
      ["aliases", "allowed_cache_controls", "config", "model_max_budget", "permissions", "send_invite_email", "spend"].sort(),
    );
  });

  it("checks the team: it must exist, and the key's models must be within the team's", async () => {
    const admin = createAdminHarness();
    expectError(await admin.post("/key/generate", { team_id: "nobody" }), 400, "team_id", "team_not_found");
    await admin.post("/team/new", { team_id: "search", models: ["gpt-4o", "anthropic/*"] });
    expectError(await admin.post("/key/generate", { team_id: "search", models: ["gpt-4o", "o3"] }), 400, "models", "model_not_allowed");
    expect((await admin.post("/key/generate", { team_id: "search", models: ["anthropic/claude-haiku"] })).status).toBe(200);
  });

  it("reads LiteLLM's special model names as gw's empty list: the team's models, or every model", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search", models: ["gpt-4o"] });
    for (const models of [["all-team-models"], ["gpt-4o", "all-team-models"], ["all-proxy-models"], ["*"]]) {
      const created = await admin.post("/key/generate", { team_id: "search", models });
      expect(created.status).toBe(200);
      expect(created.json.models).toEqual([]);
    }
    const narrowed = await admin.post("/key/generate", { team_id: "search", models: ["gpt-4o"] });
    expect((await admin.post("/key/update", { key: narrowed.json.token, models: ["all-team-models"] })).json.models).toEqual([]);
    expect((await admin.post("/team/new", { team_id: "open", models: ["all-proxy-models"] })).json.models).toEqual([]);
    expectError(await admin.post("/team/new", { team_id: "odd", models: ["all-team-models"] }), 400, "models", "invalid_parameter");
    expectError(await admin.post("/user/new", { user_id: "ada", models: ["all-team-models"] }), 400, "models", "invalid_parameter");
  });

  it("keeps key aliases unique", async () => {
    const admin = createAdminHarness();
    await admin.post("/key/generate", { key_alias: "ci" });
    expectError(await admin.post("/key/generate", { key_alias: "ci" }), 400, "key_alias", "duplicate_key_alias");
  });

  it("takes a key value chosen by the caller (to keep a LiteLLM key working), stored only hashed", async () => {
    const admin = createAdminHarness();
    const chosen = "sk-liteLLM-existing-key-123456";
    const created = await admin.post("/key/generate", { key: chosen, key_alias: "moved" });
    expect(created.json.key).toBe(chosen);
    expect((await admin.store.listKeys())[0]?.keyHash).toBe(sha256(chosen));
    expect(await admin.dump()).not.toContain(chosen);
    expectError(await admin.post("/key/generate", { key: chosen }), 400, "key", "duplicate_key");
  });

  it("refuses a chosen key equal to the master key, on generate and on regenerate", async () => {
    const admin = createAdminHarness();
    expectError(await admin.post("/key/generate", { key: masterKey }), 400, "key", "duplicate_key");
    expect(await admin.store.listKeys()).toEqual([]);
    const created = await admin.post("/key/generate", {});
    expectError(await admin.post("/key/regenerate", { key: created.json.token, new_key: masterKey }), 400, "new_key", "duplicate_key");
  });
});

describe("GET /key/info", () => {
  it("finds a key by its token, its hash or the key itself", async () => {
    const admin = createAdminHarness({ spend: async (subject) => (subject.kind === "key" ? 1.25 : 0) });
    const created = await admin.post("/key/generate", { key_alias: "lookup", max_budget: 5 });
    for (const identifier of [created.json.token, sha256(created.json.key), created.json.key]) {
      const info = await admin.get(`/key/info?key=${encodeURIComponent(identifier)}`);
      expect(info.status).toBe(200);
      // As LiteLLM, `key` names the key as asked, except that the key itself is never echoed.
      expect(info.json.key).toBe(identifier === created.json.key ? created.json.token : identifier);
      expect(info.json.info).toMatchObject({ token: created.json.token, key_alias: "lookup", max_budget: 5, spend: 1.25 });
    }
  });

  it("answers 404 for an unknown key without echoing it, and 400 without one", async () => {
    const admin = createAdminHarness();
    const unknown = await admin.get("/key/info?key=sk-gw-this-key-does-not-exist-anywhere");
    expectError(unknown, 404, "key", "key_not_found");
    expect(unknown.json.error.type).toBe("not_found_error");
    expect(unknown.text).not.toContain("sk-gw-this-key-does-not-exist-anywhere");
    expect((await admin.get("/key/info?key=key_000000000000000000000000")).json.error.message).toContain("key_000000000000000000000000");
    expectError(await admin.get("/key/info"), 400, "key", "missing_parameter");
  });

  it("shows spend as null when the spend lookup fails", async () => {
    const admin = createAdminHarness({ spend: () => Promise.reject(new Error("ledger down")) });
    const created = await admin.post("/key/generate", {});
    const info = await admin.get(`/key/info?key=${created.json.token}`);
    expect(info.status).toBe(200);
    expect(info.json.info.spend).toBeNull();
  });
});

describe("POST /key/update", () => {
  it("changes only the fields sent; null clears a limit and duration \"-1\" removes the expiry", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", { key_alias: "a", max_budget: 10, rpm_limit: 5, duration: "7d", tags: ["x"], metadata: { a: 1 } });
    admin.setNow(startTime + 60_000);
    const updated = await admin.post("/key/update", { key: created.json.token, max_budget: null, tpm_limit: 500, duration: "-1", key_alias: "b" });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      key: created.json.token,
      token: created.json.token,
      key_alias: "b",
      max_budget: null,
      rpm_limit: 5,
      tpm_limit: 500,
      expires: null,
      tags: ["x"],
      metadata: { a: 1 },
      created_at: new Date(startTime).toISOString(),
      updated_at: new Date(startTime + 60_000).toISOString(),
    });
    const extended = await admin.post("/key/update", { key: created.json.token, duration: "1h" });
    expect(extended.json.expires).toBe(new Date(startTime + 60_000 + 3_600_000).toISOString());
  });

  it("answers 404 for an unknown key and 400 without one", async () => {
    const admin = createAdminHarness();
    expectError(await admin.post("/key/update", { key: "key_000000000000000000000000", max_budget: 1 }), 404, "key", "key_not_found");
    expectError(await admin.post("/key/update", { max_budget: 1 }), 400, "key", "missing_parameter");
  });

  it("checks the new team and alias like generate does", async () => {
    const admin = createAdminHarness();
    await admin.post("/key/generate", { key_alias: "taken" });
    const created = await admin.post("/key/generate", { key_alias: "mine", models: ["o3"] });
    expectError(await admin.post("/key/update", { key: created.json.token, key_alias: "taken" }), 400, "key_alias", "duplicate_key_alias");
    expect((await admin.post("/key/update", { key: created.json.token, key_alias: "mine" })).status).toBe(200);
    await admin.post("/team/new", { team_id: "small", models: ["gpt-4o-mini"] });
    expectError(await admin.post("/key/update", { key: created.json.token, team_id: "small" }), 400, "models", "model_not_allowed");
  });
});

describe("POST /key/delete", () => {
  it("deletes by token, hash, key or alias, and names them back without echoing a key", async () => {
    const admin = createAdminHarness();
    const first = await admin.post("/key/generate", { key_alias: "first" });
    const second = await admin.post("/key/generate", { key_alias: "second" });
    const third = await admin.post("/key/generate", { key_alias: "third" });
    const fourth = await admin.post("/key/generate", { key_alias: "fourth" });
    const deleted = await admin.post("/key/delete", { keys: [first.json.token, sha256(second.json.key), third.json.key], key_aliases: ["fourth"] });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ deleted_keys: [first.json.token, sha256(second.json.key), third.json.token, "fourth"] });
    expect(deleted.text).not.toContain(third.json.key);
    expect(await admin.store.listKeys()).toEqual([]);
    expectError(await admin.get(`/key/info?key=${fourth.json.token}`), 404, "key");
  });

  it("deletes nothing when one of the keys is unknown", async () => {
    const admin = createAdminHarness();
    const kept = await admin.post("/key/generate", { key_alias: "kept" });
    expectError(await admin.post("/key/delete", { keys: [kept.json.token, "key_000000000000000000000000"] }), 404, "keys", "key_not_found");
    expectError(await admin.post("/key/delete", { key_aliases: ["kept", "nope"] }), 404, "key_aliases", "key_not_found");
    expect((await admin.store.listKeys()).length).toBe(1);
    expectError(await admin.post("/key/delete", {}), 400, "keys", "missing_parameter");
    expectError(await admin.post("/key/delete", { keys: [] }), 400, "keys", "missing_parameter");
  });
});

describe("POST /key/regenerate", () => {
  it("gives the key a new value, keeps its token, and the old value stops naming it", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", { key_alias: "rotate-me", max_budget: 5 });
    const regenerated = await admin.post("/key/regenerate", { key: created.json.key, max_budget: 8 });
    expect(regenerated.status).toBe(200);
    const secret: string = regenerated.json.key;
    expect(secret).toMatch(/^sk-gw-[A-Za-z0-9_-]{32,}$/);
    expect(secret).not.toBe(created.json.key);
    expect(regenerated.json).toMatchObject({ token: created.json.token, token_id: created.json.token, key_name: `sk-...${secret.slice(-4)}`, key_alias: "rotate-me", max_budget: 8 });
    const [stored] = await admin.store.listKeys();
    expect(stored?.keyHash).toBe(sha256(secret));
    expectError(await admin.get(`/key/info?key=${encodeURIComponent(created.json.key)}`), 404, "key");
    expect((await admin.get(`/key/info?key=${encodeURIComponent(secret)}`)).json.info.token).toBe(created.json.token);
    expect(await admin.dump()).not.toContain(secret);
  });

  it("also takes the key in the path, and a chosen new value", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", {});
    const chosen = "sk-my-own-rotated-value-000001";
    const regenerated = await admin.post(`/key/${created.json.token}/regenerate`, { new_key: chosen });
    expect(regenerated.status).toBe(200);
    expect(regenerated.json.key).toBe(chosen);
    expect((await admin.store.listKeys())[0]?.keyHash).toBe(sha256(chosen));
    expectError(await admin.post("/key/key_000000000000000000000000/regenerate", {}), 404, "path", "key_not_found");
  });
});

describe("GET /key/list", () => {
  it("pages through keys, newest first, as tokens or full objects", async () => {
    const admin = createAdminHarness();
    const tokens: string[] = [];
    for (let index = 0; index < 5; index++) {
      admin.setNow(startTime + index * 1000);
      tokens.push((await admin.post("/key/generate", { key_alias: `k${index}` })).json.token);
    }
    const first = await admin.get("/key/list?page=1&size=2");
    expect(first.json).toEqual({ keys: [tokens[4], tokens[3]], total_count: 5, current_page: 1, total_pages: 3 });
    const last = await admin.get("/key/list?page=3&size=2");
    expect(last.json.keys).toEqual([tokens[0]]);
    expect((await admin.get("/key/list?page=4&size=2")).json.keys).toEqual([]);
    const full = await admin.get("/key/list?size=1&return_full_object=true");
    expect(full.json.keys).toEqual([expect.objectContaining({ token: tokens[4], key_alias: "k4", spend: 0 })]);
    expect((await admin.get("/key/list")).json.keys.length).toBe(5);
  });

  it("filters by user, team and alias", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    const ada = await admin.post("/key/generate", { user_id: "ada", team_id: "search" });
    const bob = await admin.post("/key/generate", { user_id: "bob", key_alias: "bobs" });
    expect((await admin.get("/key/list?user_id=ada")).json.keys).toEqual([ada.json.token]);
    expect((await admin.get("/key/list?team_id=search")).json.keys).toEqual([ada.json.token]);
    expect((await admin.get("/key/list?key_alias=bobs")).json).toMatchObject({ keys: [bob.json.token], total_count: 1 });
    expect((await admin.get("/key/list?user_id=nobody")).json).toEqual({ keys: [], total_count: 0, current_page: 1, total_pages: 0 });
  });

  it("refuses bad paging", async () => {
    const admin = createAdminHarness();
    expectError(await admin.get("/key/list?size=101"), 400, "size");
    expectError(await admin.get("/key/list?page=0"), 400, "page");
    expectError(await admin.get("/key/list?page=two"), 400, "page");
    expectError(await admin.get("/key/list?organization_id=org"), 400, "organization_id", "unsupported_parameter");
  });
});

describe("POST /key/block and /key/unblock", () => {
  it("blocks and unblocks, auditing only real changes", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/key/generate", {});
    const blocked = await admin.post("/key/block", { key: created.json.token });
    expect([blocked.status, blocked.json.blocked]).toEqual([200, true]);
    expect((await admin.store.listKeys())[0]?.blocked).toBe(true);
    await admin.post("/key/block", { key: created.json.token });
    const unblocked = await admin.post("/key/unblock", { key: created.json.key });
    expect(unblocked.json.blocked).toBe(false);
    const actions = (await admin.get(`/audit/list?entity_id=${created.json.token}`)).json.data.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(["key.unblock", "key.block", "key.generate"]);
    expectError(await admin.post("/key/block", { key: "key_000000000000000000000000" }), 404, "key");
    expectError(await admin.post("/key/block", {}), 400, "key", "missing_parameter");
  });
});
