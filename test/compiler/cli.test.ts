import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runGw } from "./run-gw.ts";

/** `gw check` / `gw build` argument handling and file output, through the real CLI. */

const repository = fileURLToPath(new URL("../..", import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), "gw-cli-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const validYaml = "models:\n  - name: echo\n    deployments:\n      - provider: mock\n        model: echo\n";
const invalidYaml = "models:\n  - name: echo\n    deployments:\n      - provider: mock\n        model: echo\n        weight: 0\n";


function project(name: string, config: string, file = "gateway.config.yaml"): string {
  const directory = mkdtempSync(join(workspace, `${name}-`));
  writeFileSync(join(directory, file), config);
  return directory;
}

describe("gw check", () => {
  it("takes an explicit path relative to the working directory", async () => {
    const result = await runGw(["check", "examples/quickstart/gateway.config.ts"], repository);
    expect(result).toEqual({ code: 0, stdout: "examples/quickstart/gateway.config.ts is valid.\n", stderr: "" });
  });

  it("exits 2 on usage errors and says why", async () => {
    const directory = project("usage", validYaml);
    const unknownFormat = await runGw(["check", "--format", "xml"], directory);
    expect(unknownFormat.code).toBe(2);
    expect(unknownFormat.stderr).toContain('--format must be one of text, json, github, got "xml"');
    const unknownOption = await runGw(["check", "--out", "x.json"], directory);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option --out");
    const twoPaths = await runGw(["check", "a.yaml", "b.yaml"], directory);
    expect(twoPaths.code).toBe(2);
  });

  it("accepts --format=json and reports a missing file as an error with exit 1", async () => {
    const directory = project("missing", validYaml);
    const result = await runGw(["check", "--format=json", "nope.yaml"], directory);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ errors: 1, diagnostics: [{ code: "GW1001", file: "nope.yaml", line: 0 }] });
  });

  it("explains when no config is found", async () => {
    const empty = mkdtempSync(join(workspace, "empty-"));
    const result = await runGw(["check"], empty);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("error GW1001 No config file found");
    expect(result.stdout).toContain("gateway.config.ts, gateway.config.yaml, gateway.config.yml");
  });

  it("prefers gateway.config.ts over gateway.config.yaml", async () => {
    const directory = project("prefer", invalidYaml);
    writeFileSync(join(directory, "gateway.config.ts"), "export default { models: [{ name: 'x', deployments: [{ provider: 'mock', model: 'x' }] }] };\n");
    const result = await runGw(["check"], directory);
    expect(result).toMatchObject({ code: 0, stdout: "gateway.config.ts is valid.\n" });
  });
});

describe("gw build", () => {
  it("writes the bundle to .gw/bundle.json by default, creating the folder", async () => {
    const directory = project("build", validYaml);
    const result = await runGw(["build"], directory);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const bundle = JSON.parse(readFileSync(join(directory, ".gw", "bundle.json"), "utf8"));
    expect(result.stdout).toBe(`bundle written to .gw/bundle.json (${bundle.hash.slice(0, 19)}…, 1 model)\n`);
    expect(Object.keys(bundle.routes)).toEqual(["echo"]);
  });

  it("honours --out and rebuilds byte for byte", async () => {
    const directory = project("out", validYaml);
    const first = await runGw(["build", "--out", "dist/a.json"], directory);
    const second = await runGw(["build", "--out=dist/b.json"], directory);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(readFileSync(join(directory, "dist/a.json"), "utf8")).toBe(readFileSync(join(directory, "dist/b.json"), "utf8"));
  });

  it("gives the same hash whichever directory the config is built from", async () => {
    const directory = project("where", validYaml);
    const inside = await runGw(["build", "--out", "inside.json"], directory);
    const outside = await runGw(["build", join(directory, "gateway.config.yaml"), "--out", join(directory, "outside.json")], workspace);
    expect([inside.code, outside.code]).toEqual([0, 0]);
    const read = (file: string) => JSON.parse(readFileSync(join(directory, file), "utf8")) as { hash: string; source: string };
    expect(read("inside.json").source).not.toBe(read("outside.json").source);
    expect(read("inside.json").hash).toBe(read("outside.json").hash);
  });

  it("writes nothing and exits 1 when the config has errors, printing them on stderr", async () => {
    const directory = project("broken", invalidYaml);
    const result = await runGw(["build"], directory);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("gateway.config.yaml:3:5 error GW1204");
    expect(existsSync(join(directory, ".gw"))).toBe(false);
  });

  it("builds with warnings, and never prints the secrets it hashes", async () => {
    const config = `${validYaml}teams:\n  - name: t\nkeys:\n  - name: k\n    team: t\n    key: os.environ/TEAM_KEY\nmasterKey: literal-master-secret-1f3a\n`;
    const directory = project("secrets", config);
    const result = await runGw(["build"], directory, { TEAM_KEY: "team-secret-value-9c2e" });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning GW1308 masterKey");
    const written = readFileSync(join(directory, ".gw", "bundle.json"), "utf8");
    for (const text of [result.stdout, result.stderr, written]) {
      expect(text).not.toContain("team-secret-value-9c2e");
      expect(text).not.toContain("literal-master-secret-1f3a");
    }
  });
});

