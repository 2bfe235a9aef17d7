import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import type { RuntimePlan } from "../start/plan.ts";
import { createAdminAuthorizer } from "./authorize-admin.ts";
import { createGovernanceCache } from "../governance/governance-cache.ts";
import { sampleKey, sampleTeam } from "../stores/contracts/governance-store-contract.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();
const now = Date.parse("2025-06-01T00:00:00.000Z");

/** The parts of a plan the admin authorizer reads: a master key and no config keys. */
const plan = { open: false, masterKeyDigest: sha256("master"), keys: new Map() } as unknown as RuntimePlan;

async function authorizerWith(keys: ReturnType<typeof sampleKey>[], teams = [sampleTeam()]) {
  const cache = createGovernanceCache(createMemoryGovernanceStore({ keys, teams }));
  await cache.ready;
  return createAdminAuthorizer(plan, cache, () => now);
}

const bearer = (key: string): Headers => new Headers({ authorization: `Bearer ${key}` });
const codeOf = (result: unknown): string | null => (result instanceof GatewayError ? result.code : null);

describe("admin authorizer", () => {
  it("lets the master key and a usable admin key in", async () => {
    const authorize = await authorizerWith([sampleKey({ keyHash: sha256("admin-key").toString("hex"), admin: true })]);
    expect(authorize(bearer("master"))).toEqual({ actor: "master" });
    expect(authorize(bearer("admin-key"))).toEqual({ actor: "key:key_0001" });
  });

  it("refuses an expired admin key with the same 401 as /v1/*", async () => {
    const authorize = await authorizerWith([
      sampleKey({ keyHash: sha256("old-admin").toString("hex"), admin: true, expiresAt: "2025-05-01T00:00:00.000Z" }),
    ]);
    const result = authorize(bearer("old-admin"));
    expect(result).toBeInstanceOf(GatewayError);
    expect((result as GatewayError).status).toBe(401);
    expect(codeOf(result)).toBe("expired_api_key");
  });

  it("refuses a blocked admin key, and an admin key whose team is blocked", async () => {
    const authorize = await authorizerWith(
      [
        sampleKey({ keyHash: sha256("blocked").toString("hex"), admin: true, blocked: true }),
        sampleKey({ keyId: "key_0002", keyHash: sha256("team-blocked").toString("hex"), admin: true, teamId: "search" }),
      ],
      [sampleTeam({ blocked: true })],
    );
    expect(codeOf(authorize(bearer("blocked")))).toBe("blocked_api_key");
    expect(codeOf(authorize(bearer("team-blocked")))).toBe("blocked_api_key");
  });

  it("answers an unknown key with 401 and a known non-admin key with 403", async () => {
    const authorize = await authorizerWith([sampleKey({ keyHash: sha256("plain").toString("hex") })]);
    const unknown = authorize(bearer("nobody"));
    expect((unknown as GatewayError).status).toBe(401);
    expect(codeOf(unknown)).toBe("invalid_api_key");
    const plain = authorize(bearer("plain"));
    expect((plain as GatewayError).status).toBe(403);
    expect(codeOf(plain)).toBe("admin_key_required");
    expect(codeOf(authorize(new Headers()))).toBe("missing_api_key");
  });
});
