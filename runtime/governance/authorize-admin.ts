/**
 * Who may call the admin API: the master key, or a key created with `admin: true`. Without a
 * master key the admin API is closed (an open gateway has no one to trust with it).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readPresentedKey } from "../auth.ts";
import { GatewayError } from "../errors.ts";
import type { RuntimePlan } from "../plan.ts";
import type { GovernanceCache } from "./governance-cache.ts";

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

export function createAdminAuthorizer(plan: RuntimePlan, cache: GovernanceCache): (headers: Headers) => { actor: string } | GatewayError {
  return (headers) => {
    const master = plan.masterKeyDigest;
    if (master === null) return adminClosed;
    const key = readPresentedKey(headers);
    if (key === null) return missingKey;
    const digest = createHash("sha256").update(key).digest();
    if (timingSafeEqual(digest, master)) return { actor: "master" };
    const managed = cache.lookupKey(digest.toString("hex"));
    return managed !== null && managed.admin && !managed.blocked ? { actor: `key:${managed.keyId}` } : notAdmin;
  };
}
