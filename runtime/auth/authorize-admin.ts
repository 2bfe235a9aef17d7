/**
 * Who may call the admin API: the master key, or a key created with `admin: true`. Without a
 * master key the admin API is closed (an open gateway has no one to trust with it).
 * Invariant: a presented key is judged usable (known, not blocked, not expired, team not blocked)
 * by the same `authenticate` + `checkManagedKey` path as /v1/*; this file only adds "is it admin".
 */
import { authenticate, readPresentedKey } from "./authenticate.ts";
import { GatewayError } from "../http/errors.ts";
import type { RuntimePlan } from "../start/plan.ts";
import type { GovernanceCache } from "../governance/governance-cache.ts";
import { createManagedKeyLookup, managedKeyOf } from "./managed-callers.ts";

const adminClosed = new GatewayError({
  status: 403,
  type: "permission_error",
  code: "admin_api_disabled",
  message: "The admin API needs a master key: add masterKey: env(\"GW_MASTER_KEY\") to the config and call it with that key.",
});

const missingKey = new GatewayError({
  status: 401,
  type: "authentication_error",
  code: "missing_api_key",
  message: "The admin API needs the master key or an admin key, as `Authorization: Bearer <key>`.",
});

const notAdmin = new GatewayError({
  status: 403,
  type: "permission_error",
  code: "admin_key_required",
  message: "This key may not call the admin API: use the master key or a key generated with admin: true.",
});

export function createAdminAuthorizer(
  plan: RuntimePlan,
  cache: GovernanceCache,
  now: () => number = Date.now,
): (headers: Headers) => { actor: string } | GatewayError {
  const lookup = createManagedKeyLookup(cache, now);
  return (headers) => {
    if (plan.masterKeyDigest === null) return adminClosed;
    if (readPresentedKey(headers) === null) return missingKey;
    // Unknown, expired or blocked keys get the same 401 as on /v1/*.
    const caller = authenticate(plan, headers, lookup);
    if (caller instanceof GatewayError) return caller;
    if (caller.kind === "master") return { actor: "master" };
    const managed = managedKeyOf(caller);
    return managed !== null && managed.admin ? { actor: `key:${managed.keyId}` } : notAdmin;
  };
}
