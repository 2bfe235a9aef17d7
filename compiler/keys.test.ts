import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compileObject } from "../test/compiler/compile-object.ts";
import { hashKey, toKeyRef } from "./keys.ts";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("key refs", () => {
  it("hashes literal keys and env keys that are set at build time", () => {
    expect(hashKey("gw-abc")).toBe(sha256("gw-abc"));
    expect(toKeyRef({ kind: "literal", value: "gw-abc" }, {})).toEqual({ sha256: sha256("gw-abc") });
    expect(toKeyRef({ kind: "env", name: "K" }, { K: "gw-xyz" })).toEqual({ sha256: sha256("gw-xyz") });
  });

  it("keeps an env ref when the variable is unset or empty at build time", () => {
    expect(toKeyRef({ kind: "env", name: "K" }, {})).toEqual({ env: "K" });
    expect(toKeyRef({ kind: "env", name: "K" }, { K: "" })).toEqual({ env: "K" });
  });
});

describe("secrets in the bundle", () => {
  const teamSecret = "gw-team-secret-5b1f0c";
  const literalSecret = "gw-literal-secret-77a2d9";
  const masterSecret = "gw-master-secret-0e4411";
  const hashedSecret = "gw-hashed-secret-9d0c3b";
  const config = {
    models: [{ name: "m", deployments: [{ provider: "mock", model: "echo" }] }],
    teams: [{ name: "t" }],
    keys: [
      { name: "from-env", team: "t", key: { $env: "TEAM_KEY" } },
      { name: "literal", team: "t", key: literalSecret },
      { name: "unset", team: "t", key: "os.environ/UNSET_KEY" },
      { name: "hashed", team: "t", keyHash: sha256(hashedSecret).toUpperCase() },
    ],
    masterKey: { $env: "GW_MASTER_KEY" },
  };

  it("stores keys as hashes or env refs, never the secret itself", () => {
    const bundle = compileObject(config, { TEAM_KEY: teamSecret, GW_MASTER_KEY: masterSecret });
    const text = JSON.stringify(bundle);
    for (const secret of [teamSecret, literalSecret, masterSecret, hashedSecret]) expect(text).not.toContain(secret);
    expect(bundle.policy.keys).toEqual([
      { name: "from-env", team: "t", key: { sha256: sha256(teamSecret) } },
      { name: "literal", team: "t", key: { sha256: sha256(literalSecret) } },
      { name: "unset", team: "t", key: { env: "UNSET_KEY" } },
      { name: "hashed", team: "t", key: { sha256: sha256(hashedSecret) } },
    ]);
    expect(bundle.policy.masterKey).toEqual({ sha256: sha256(masterSecret) });
    // Only the variable serve still has to read is listed.
    expect(bundle.env).toEqual(["UNSET_KEY"]);
  });

  it("leaves env refs for serve when the build machine does not have the keys", () => {
    const bundle = compileObject(config);
    expect(bundle.policy.masterKey).toEqual({ env: "GW_MASTER_KEY" });
    expect(bundle.policy.keys[0]!.key).toEqual({ env: "TEAM_KEY" });
    expect(bundle.env).toEqual(["GW_MASTER_KEY", "TEAM_KEY", "UNSET_KEY"]);
  });
});
