/**
 * SpendQueries on SQLite (the shared contract) need bun:sqlite, so their tests live in sqlite-spend-queries.bun-test.ts and
 * run under Bun; this vitest file runs them so that `npm test` covers them too.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));

it("passes its Bun tests (bun:sqlite)", () => {
  const result = spawnSync(process.execPath, ["bin/bun.js", "test", "./runtime/host/bun/sqlite-spend-queries.bun-test.ts"], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 60_000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output).toMatch(/\b[1-9]\d* pass\b/);
  expect(output).toMatch(/\b0 fail\b/);
  expect(result.status, output).toBe(0);
});
