import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAdminHarness, startTime } from "./admin-test-support.ts";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

function expectError(call: { status: number; json: { error: { param: string | null; code: string | null } } }, status: number, param: string | null, code?: string) {
  expect(call.status).toBe(status);
  expect(call.json.error.param).toBe(param);
  if (code !== undefined) expect(call.json.error.code).toBe(code);
}

describe("/team/*", () => {
  it("creates a team from LiteLLM's fields, keeping tags in metadata like LiteLLM", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/team/new", {
      team_id: "search",
      team_alias: "Search",
      models: ["gpt-4o"],
      max_budget: 100,
      soft_budget: 80,
      budget_duration: "30d",
      rpm_limit: 600,
      tpm_limit: 1_000_000,
      max_parallel_requests: 20,
      metadata: { cost_center: "42" },
      tags: ["prod"],
      members_with_roles: [],
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      team_id: "search",
      team_alias: "Search",
      blocked: false,
      models: ["gpt-4o"],
      metadata: { cost_center: "42", tags: ["prod"] },
      max_budget: 100,
      soft_budget: 80,
      budget_duration: "30d",
      rpm_limit: 600,
      tpm_limit: 1_000_000,
      max_parallel_requests: 20,
      from_config: false,
      created_at: new Date(startTime).toISOString(),
      updated_at: new Date(startTime).toISOString(),
      spend: 0,
    });
    expect(created.headers.get("x-gw-ignored-fields")).toBe("members_with_roles");
    expect(await admin.store.listTeams()).toEqual([
      expect.objectContaining({ teamId: "search", teamAlias: "Search", maxBudget: 100, softBudget: 80, budgetDuration: "30d", rpmLimit: 600 }),
    ]);
  });

  it("makes up an id when none is given, and refuses one that exists", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/team/new", {});
    expect(created.json.team_id).toMatch(/^[0-9a-f-]{36}$/);
    expectError(await admin.post("/team/new", { team_id: created.json.team_id }), 400, "team_id", "team_exists");
    expectError(await admin.post("/team/new", { budget_duration: "monthly" }), 400, "budget_duration", "invalid_parameter");
    expectError(await admin.post("/team/new", { team_member_budget: 5 }), 400, "team_member_budget", "unsupported_parameter");
  });

  it("shows a team with its keys and members", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    const key = await admin.post("/key/generate", { team_id: "search", key_alias: "svc" });
    await admin.post("/key/generate", { key_alias: "elsewhere" });
    await admin.post("/user/new", { user_id: "ada", user_email: "ada@example.com", teams: ["search"], auto_create_key: false });
    const info = await admin.get("/team/info?team_id=search");
    expect(info.status).toBe(200);
    expect(info.json.team_id).toBe("search");
    expect(info.json.team_info).toMatchObject({ team_id: "search", spend: 0, members_with_roles: [{ user_id: "ada", user_email: "ada@example.com", role: "user" }] });
    expect(info.json.keys.map((entry: { token: string }) => entry.token)).toEqual([key.json.token]);
    expect(info.json.team_memberships).toEqual([{ user_id: "ada", team_id: "search", budget_id: null, litellm_budget_table: null }]);
    expectError(await admin.get("/team/info?team_id=nobody"), 404, "team_id", "team_not_found");
    expectError(await admin.get("/team/info"), 400, "team_id", "missing_parameter");
  });

  it("updates only the fields sent", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search", max_budget: 10, metadata: { a: 1 }, tags: ["old"] });
    admin.setNow(startTime + 5000);
    const updated = await admin.post("/team/update", { team_id: "search", rpm_limit: 10, tags: ["new"] });
    expect(updated.status).toBe(200);
    expect(updated.json.team_id).toBe("search");
    expect(updated.json.data).toMatchObject({ max_budget: 10, rpm_limit: 10, metadata: { a: 1, tags: ["new"] }, updated_at: new Date(startTime + 5000).toISOString() });
    expectError(await admin.post("/team/update", { team_id: "nobody", rpm_limit: 1 }), 404, "team_id");
    expectError(await admin.post("/team/update", { rpm_limit: 1 }), 400, "team_id", "missing_parameter");
  });

  it("deletes teams with their keys, and their users stop being members", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    await admin.post("/team/new", { team_id: "kept" });
    const key = await admin.post("/key/generate", { team_id: "search" });
    const keptKey = await admin.post("/key/generate", { team_id: "kept" });
    await admin.post("/user/new", { user_id: "ada", teams: ["search", "kept"], auto_create_key: false });
    expectError(await admin.post("/team/delete", { team_ids: ["search", "nobody"] }), 404, "team_ids");
    expect((await admin.store.listTeams()).length).toBe(2);

    const deleted = await admin.post("/team/delete", { team_ids: ["search"] });
    expect(deleted.json).toEqual({ deleted_teams: ["search"] });
    expect((await admin.store.listTeams()).map((team) => team.teamId)).toEqual(["kept"]);
    expect((await admin.store.listKeys()).map((entry) => entry.keyId)).toEqual([keptKey.json.token]);
    expect((await admin.store.listUsers())[0]?.teamIds).toEqual(["kept"]);
    const audit = (await admin.get("/audit/list")).json.data.map((entry: { action: string; entity_id: string }) => `${entry.action} ${entry.entity_id}`);
    expect(audit.slice(0, 3)).toEqual(["team.delete search", "user.update ada", `key.delete ${key.json.token}`]);
    expectError(await admin.post("/team/delete", { team_ids: [] }), 400, "team_ids", "missing_parameter");
  });

  it("lists teams, optionally those of one user, and blocks and unblocks them", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "a" });
    admin.setNow(startTime + 1);
    await admin.post("/team/new", { team_id: "b" });
    await admin.post("/user/new", { user_id: "ada", teams: ["b"], auto_create_key: false });
    expect((await admin.get("/team/list")).json.map((team: { team_id: string }) => team.team_id)).toEqual(["a", "b"]);
    expect((await admin.get("/team/list?user_id=ada")).json.map((team: { team_id: string }) => team.team_id)).toEqual(["b"]);
    expect((await admin.get("/team/list?user_id=nobody")).json).toEqual([]);
    expect((await admin.post("/team/block", { team_id: "a" })).json.blocked).toBe(true);
    expect((await admin.store.listTeams()).find((team) => team.teamId === "a")?.blocked).toBe(true);
    expect((await admin.post("/team/unblock", { team_id: "a" })).json.blocked).toBe(false);
  });
});

describe("/user/*", () => {
  it("creates a user and, like LiteLLM, a key for them, shown once", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    const created = await admin.post("/user/new", {
      user_id: "ada",
      user_email: "ada@example.com",
      teams: [{ team_id: "search", user_role: "user" }],
      max_budget: 50,
      budget_duration: "1mo",
      key_alias: "ada-laptop",
      duration: "7d",
      user_role: "internal_user",
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      user_id: "ada",
      user_email: "ada@example.com",
      teams: ["search"],
      max_budget: 50,
      budget_duration: "1mo",
      key_alias: "ada-laptop",
      expires: new Date(startTime + 7 * 86_400_000).toISOString(),
      spend: 0,
    });
    expect(created.json.key).toMatch(/^sk-gw-/);
    expect(created.headers.get("x-gw-ignored-fields")).toBe("user_role");
    const [key] = await admin.store.listKeys();
    expect(key).toMatchObject({ keyId: created.json.token, keyHash: sha256(created.json.key), userId: "ada", keyAlias: "ada-laptop" });
    expect(await admin.dump()).not.toContain(created.json.key);
    const info = await admin.get("/user/info?user_id=ada");
    expect(info.text).not.toContain(created.json.key);
  });

  it("creates no key when asked not to, and writes nothing when the key's fields are bad", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/user/new", { user_id: "bob", auto_create_key: false });
    expect(created.json.key).toBeUndefined();
    expect(await admin.store.listKeys()).toEqual([]);
    await admin.post("/key/generate", { key_alias: "taken" });
    expectError(await admin.post("/user/new", { user_id: "eve", key_alias: "taken" }), 400, "key_alias", "duplicate_key_alias");
    expect((await admin.store.listUsers()).map((user) => user.userId)).toEqual(["bob"]);
    expectError(await admin.post("/user/new", { user_id: "bob" }), 400, "user_id", "user_exists");
    expectError(await admin.post("/user/new", { teams: ["nobody"] }), 400, "teams", "team_not_found");
    expectError(await admin.post("/user/new", { blocked: true }), 400, "blocked", "unsupported_parameter");
  });

  it("shows a user with their keys and teams", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    const created = await admin.post("/user/new", { user_id: "ada", teams: ["search"] });
    const info = await admin.get("/user/info?user_id=ada");
    expect(info.json.user_id).toBe("ada");
    expect(info.json.user_info).toMatchObject({ user_id: "ada", teams: ["search"], spend: 0 });
    expect(info.json.keys.map((key: { token: string }) => key.token)).toEqual([created.json.token]);
    expect(info.json.teams.map((team: { team_id: string }) => team.team_id)).toEqual(["search"]);
    expectError(await admin.get("/user/info?user_id=nobody"), 404, "user_id", "user_not_found");
    expectError(await admin.get("/user/info"), 400, "user_id", "missing_parameter");
  });

  it("updates a user found by id or by email", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    await admin.post("/user/new", { user_id: "ada", user_email: "ada@example.com", auto_create_key: false });
    const byId = await admin.post("/user/update", { user_id: "ada", tpm_limit: 1000, teams: ["search"] });
    expect(byId.json).toMatchObject({ user_id: "ada", tpm_limit: 1000, teams: ["search"] });
    const byEmail = await admin.post("/user/update", { user_email: "ada@example.com", max_budget: 3 });
    expect(byEmail.json).toMatchObject({ user_id: "ada", tpm_limit: 1000, max_budget: 3 });
    expectError(await admin.post("/user/update", { user_id: "nobody", max_budget: 1 }), 404, "user_id");
    expectError(await admin.post("/user/update", { user_email: "nobody@example.com" }), 404, "user_email");
    expectError(await admin.post("/user/update", { max_budget: 1 }), 400, "user_id", "missing_parameter");
  });

  it("deletes users with their keys", async () => {
    const admin = createAdminHarness();
    await admin.post("/user/new", { user_id: "ada" });
    const bob = await admin.post("/user/new", { user_id: "bob" });
    expectError(await admin.post("/user/delete", { user_ids: ["ada", "nobody"] }), 404, "user_ids");
    expect((await admin.store.listUsers()).length).toBe(2);
    expect((await admin.post("/user/delete", { user_ids: ["ada"] })).json).toEqual({ deleted_users: ["ada"] });
    expect((await admin.store.listUsers()).map((user) => user.userId)).toEqual(["bob"]);
    expect((await admin.store.listKeys()).map((key) => key.keyId)).toEqual([bob.json.token]);
  });

  it("lists users a page at a time, filtered by ids or team", async () => {
    const admin = createAdminHarness();
    await admin.post("/team/new", { team_id: "search" });
    for (let index = 0; index < 3; index++) {
      admin.setNow(startTime + index);
      await admin.post("/user/new", { user_id: `u${index}`, auto_create_key: false, ...(index === 1 ? { teams: ["search"] } : {}) });
    }
    const page = await admin.get("/user/list?page=1&page_size=2");
    expect(page.json).toMatchObject({ total: 3, page: 1, page_size: 2, total_pages: 2 });
    expect(page.json.users.map((user: { user_id: string }) => user.user_id)).toEqual(["u2", "u1"]);
    expect((await admin.get("/user/list?user_ids=u0,u2")).json.users.map((user: { user_id: string }) => user.user_id)).toEqual(["u2", "u0"]);
    expect((await admin.get("/user/list?team_id=search")).json.users.map((user: { user_id: string }) => user.user_id)).toEqual(["u1"]);
    expectError(await admin.get("/user/list?page_size=0"), 400, "page_size");
  });
});

describe("/customer/* (and /end_user/*)", () => {
  it("creates a customer with budgets and limits, flat and in LiteLLM's litellm_budget_table", async () => {
    const admin = createAdminHarness();
    const created = await admin.post("/customer/new", { user_id: "acme", max_budget: 5, budget_duration: "1d", rpm_limit: 10, alias: "ACME Corp" });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      user_id: "acme",
      blocked: false,
      max_budget: 5,
      budget_duration: "1d",
      rpm_limit: 10,
      litellm_budget_table: { max_budget: 5, soft_budget: null, budget_duration: "1d", rpm_limit: 10, tpm_limit: null, max_parallel_requests: null },
      spend: 0,
    });
    expect(created.headers.get("x-gw-ignored-fields")).toBe("alias");
    expect(await admin.store.listCustomers()).toEqual([expect.objectContaining({ customerId: "acme", maxBudget: 5, rpmLimit: 10 })]);
    expect((await admin.post("/customer/new", { user_id: "plain" })).json.litellm_budget_table).toBeNull();
    expectError(await admin.post("/customer/new", { user_id: "acme" }), 400, "user_id", "customer_exists");
    expectError(await admin.post("/customer/new", {}), 400, "user_id", "missing_parameter");
    expectError(await admin.post("/customer/new", { user_id: "eu", allowed_model_region: "eu" }), 400, "allowed_model_region", "unsupported_parameter");
  });

  it("answers on /end_user/* too", async () => {
    const admin = createAdminHarness();
    expect((await admin.post("/end_user/new", { user_id: "acme" })).status).toBe(200);
    expect((await admin.get("/end_user/info?end_user_id=acme")).json.user_id).toBe("acme");
    expect((await admin.get("/customer/info?end_user_id=acme")).json.user_id).toBe("acme");
    expect((await admin.get("/end_user/list")).json.map((customer: { user_id: string }) => customer.user_id)).toEqual(["acme"]);
  });

  it("reports spend in whole micro-USD, without float noise", async () => {
    const admin = createAdminHarness({ spend: async () => 0.000012000000000000002 });
    await admin.post("/customer/new", { user_id: "acme" });
    const info = await admin.get("/customer/info?end_user_id=acme");
    expect(info.json).toMatchObject({ user_id: "acme", spend: 0.000012 });
  });

  it("shows, updates, blocks, lists and deletes customers", async () => {
    const admin = createAdminHarness({ spend: async (subject) => (subject.kind === "customer" ? 0.5 : 0) });
    await admin.post("/customer/new", { user_id: "acme" });
    admin.setNow(startTime + 1);
    await admin.post("/customer/new", { user_id: "globex" });
    expect((await admin.get("/customer/info?end_user_id=acme")).json).toMatchObject({ user_id: "acme", spend: 0.5 });
    expectError(await admin.get("/customer/info?end_user_id=nobody"), 404, "end_user_id", "customer_not_found");
    expectError(await admin.get("/customer/info"), 400, "end_user_id", "missing_parameter");

    const updated = await admin.post("/customer/update", { user_id: "acme", tpm_limit: 999, models: ["gpt-4o-mini"] });
    expect(updated.json).toMatchObject({ user_id: "acme", tpm_limit: 999, models: ["gpt-4o-mini"] });
    expectError(await admin.post("/customer/update", { user_id: "nobody" }), 404, "user_id");

    expect((await admin.post("/customer/block", { user_ids: ["acme", "globex"] })).json).toEqual({ blocked_users: ["acme", "globex"] });
    expect((await admin.store.listCustomers()).every((customer) => customer.blocked)).toBe(true);
    expect((await admin.post("/customer/unblock", { user_ids: ["acme"] })).json).toEqual({ unblocked_users: ["acme"] });
    expect((await admin.get("/customer/list")).json.map((customer: { user_id: string; blocked: boolean }) => [customer.user_id, customer.blocked])).toEqual([
      ["acme", false],
      ["globex", true],
    ]);

    expectError(await admin.post("/customer/delete", { user_ids: ["acme", "nobody"] }), 404, "user_ids");
    expect((await admin.post("/customer/delete", { user_ids: ["acme"] })).json).toEqual({ deleted_customers: ["acme"] });
    expect((await admin.store.listCustomers()).map((customer) => customer.customerId)).toEqual(["globex"]);
    expectError(await admin.post("/customer/delete", {}), 400, "user_ids", "missing_parameter");
  });
});
