/**
 * Golden tests for `gw check` and `gw build`. Each folder here is a case:
 *
 *   gateway.config.ts | gateway.config.yaml   the config (TS configs import "gw-gateway/config")
 *   expected.txt                               exact stdout of `gw check` run in the folder
 *   expected-bundle.json                       optional: the bundle `gw build` writes (valid cases)
 *   args.txt                                   optional: extra `gw check` arguments, e.g. --format github
 *   env.json                                   optional: the environment of the run (nothing else leaks in)
 *
 * The real CLI runs as a subprocess (`node bin/gw.js`, i.e. on Bun), because TypeScript
 * configs are loaded by Bun's native `import()`; it runs in the case folder without a
 * path argument, so config discovery is exercised too. The exit code must be 1 exactly
 * when the output reports an error. Values from env.json must never appear in any output.
 *
 * UPDATE_GOLDEN=1 npx vitest run test/compiler/golden.test.ts  rewrites the expected files
 * (and creates expected-bundle.json for cases named valid-*); review the diff before committing.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateBundle } from "../../contract/validate-bundle.ts";
import { runGw } from "./run-gw.ts";

const casesDirectory = fileURLToPath(new URL(".", import.meta.url));
const update = process.env["UPDATE_GOLDEN"] === "1";
const CONFIG_NAMES = ["gateway.config.ts", "gateway.config.yaml", "gateway.config.yml"];

function reportsError(stdout: string, args: string[]): boolean {
  if (args.includes("json")) return (JSON.parse(stdout) as { errors: number }).errors > 0;
  if (args.includes("github")) return stdout.includes("::error ");
  const summary = /^(\d+) errors?, \d+ warnings?$/m.exec(stdout);
  return summary !== null && Number(summary[1]) > 0;
}

const cases = readdirSync(casesDirectory)
  .filter((name) => statSync(join(casesDirectory, name)).isDirectory())
  .filter((name) => CONFIG_NAMES.some((config) => existsSync(join(casesDirectory, name, config))))
  .sort();

describe("gw check / gw build golden cases", () => {
  it("finds the cases", () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  for (const name of cases) {
    it(name, async () => {
      const directory = join(casesDirectory, name);
      const read = (file: string): string | undefined =>
        existsSync(join(directory, file)) ? readFileSync(join(directory, file), "utf8") : undefined;
      const extraArgs = (read("args.txt") ?? "").split(/\s+/).filter((argument) => argument !== "");
      const environment = JSON.parse(read("env.json") ?? "{}") as Record<string, string>;
      const secrets = Object.values(environment);

      const check = await runGw(["check", ...extraArgs], directory, environment);
      expect(check.stderr).toBe("");
      if (update) writeFileSync(join(directory, "expected.txt"), check.stdout);
      else expect(check.stdout).toBe(read("expected.txt"));
      expect(check.code).toBe(reportsError(check.stdout, extraArgs) ? 1 : 0);
      for (const secret of secrets) expect(check.stdout).not.toContain(secret);

      const expectedBundle = read("expected-bundle.json");
      if (expectedBundle === undefined && !(update && name.startsWith("valid-"))) return;
      const output = mkdtempSync(join(tmpdir(), "gw-golden-"));
      try {
        const build = await runGw(["build", "--out", join(output, "bundle.json")], directory, environment);
        expect(build.code).toBe(0);
        expect(build.stdout).toMatch(/^bundle written to .*bundle\.json \(sha256:[0-9a-f]{12}…, \d+ models?\)\n$/);
        const text = readFileSync(join(output, "bundle.json"), "utf8");
        for (const secret of secrets) {
          expect(text).not.toContain(secret);
          expect(build.stdout + build.stderr).not.toContain(secret);
        }
        const bundle: unknown = JSON.parse(text);
        expect(validateBundle(bundle)).toEqual([]);
        if (update) writeFileSync(join(directory, "expected-bundle.json"), text);
        else expect(bundle).toEqual(JSON.parse(expectedBundle!));
      } finally {
        rmSync(output, { recursive: true, force: true });
      }
    });
  }
});
