import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectPostgres } from "../runtime/host/postgres/connect.ts";
import { randomTestSchema, testPostgresUrl } from "../runtime/host/postgres/test-schema.ts";
import { repositoryRoot } from "../test/support/start-gw.ts";
import { parseDbArguments } from "./db.ts";

describe("gw db arguments", () => {
  it("takes the URL from --postgres-url, else GW_POSTGRES_URL, else DATABASE_URL", () => {
    expect(parseDbArguments(["migrate", "--postgres-url", "postgres://a/b", "--schema=gw"], { GW_POSTGRES_URL: "postgres://c/d" })).toEqual({
      command: "migrate",
      url: "postgres://a/b",
      schema: "gw",
    });
    expect(parseDbArguments(["migrate"], { GW_POSTGRES_URL: "postgres://c/d", DATABASE_URL: "postgres://e/f" })).toMatchObject({ url: "postgres://c/d" });
    expect(parseDbArguments(["migrate"], { DATABASE_URL: "postgres://e/f" })).toMatchObject({ url: "postgres://e/f", schema: undefined });
  });

  it("explains bad input", () => {
    expect(parseDbArguments([], {})).toContain("missing subcommand");
    expect(parseDbArguments(["rollback"], {})).toContain('unknown subcommand "rollback"');
    expect(parseDbArguments(["migrate"], {})).toContain("no Postgres URL");
    expect(parseDbArguments(["migrate", "--postgres-url"], {})).toContain("--postgres-url needs a value");
    expect(parseDbArguments(["migrate", "--force", "x"], { DATABASE_URL: "postgres://e/f" })).toContain("unknown option --force");
  });
});

describe("gw db migrate", () => {
  const schema = randomTestSchema();
  afterAll(async () => {
    const sql = connectPostgres({ url: testPostgresUrl });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  });

  function run(...args: string[]) {
    const result = spawnSync(process.execPath, [join(repositoryRoot, "bin", "gw.js"), "db", "migrate", ...args], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", GW_POSTGRES_URL: testPostgresUrl.replace("postgres@", "postgres:not-a-real-secret@") },
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("applies the migrations, then finds nothing to do, never printing the password", async () => {
    const first = run("--schema", schema);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("applied 0001_spend_ledger.sql\napplied 0002_governance.sql\napplied 0003_usage_estimated.sql\napplied 0004_responses.sql\n");
    const second = run("--schema", schema);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("is up to date (4 migration(s) applied earlier)");
    expect(first.stdout + second.stdout).not.toContain("not-a-real-secret");
  });

  it("fails with a clear message when Postgres refuses, exit code 1", () => {
    const result = spawnSync(process.execPath, [join(repositoryRoot, "bin", "gw.js"), "db", "migrate", "--postgres-url", "postgres://postgres:hunter2@127.0.0.1:1/test"], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/gw db migrate: postgres:\/\/postgres@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain("hunter2");
  });
});
