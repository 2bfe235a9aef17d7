/**
 * Who is calling. The presented key is hashed once (SHA-256) and looked up by hash: a
 * Map lookup on the digest does not leak the secret through timing, and the single master
 * key is compared digest-to-digest with timingSafeEqual. Keys are never logged or echoed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../http/errors.ts";
import type { ManagedKeyLookup } from "./managed-callers.ts";
import type { Caller, RuntimePlan } from "../start/plan.ts";

export const masterCaller: Caller = { kind: "master", keyName: null, team: null, models: null, modelPrefixes: [] };
export const openCaller: Caller = { kind: "open", keyName: null, team: null, models: null, modelPrefixes: [] };

const missingKey = new GatewayError({
  status: 401,
  type: "authentication_error",
  code: "missing_api_key",
  message:
    "This gateway requires an API key. Send it as `Authorization: Bearer <key>` (or in the `x-api-key` or `api-key` header).",
});

const invalidKey = new GatewayError({
  status: 401,
  type: "authentication_error",
  code: "invalid_api_key",
  message: "The API key you sent is not valid for this gateway. Check the key, or ask the gateway's operator for one.",
});

const keyHeaders = ["x-api-key", "api-key"] as const;

/** The key the request presents: `Authorization: Bearer <key>`, else `x-api-key`, else `api-key` (Azure-style clients). */
export function readPresentedKey(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const space = authorization.indexOf(" ");
    if (space > 0 && authorization.slice(0, space).toLowerCase() === "bearer") {
      const key = authorization.slice(space + 1).trim();
      if (key !== "") return key;
    }
  }
  for (const name of keyHeaders) {
    const value = headers.get(name);
    if (value === null) continue;
    const key = value.trim();
    if (key !== "") return key;
  }
  return null;
}

/**
 * Returns the caller, or the 401 GatewayError to answer with. Keys from the config are in the
 * plan; keys created through the admin API are found with `managed` (the governance cache).
 */
export function authenticate(plan: RuntimePlan, headers: Headers, managed: ManagedKeyLookup | null = null): Caller | GatewayError {
  if (plan.open) return openCaller;
  const key = readPresentedKey(headers);
  if (key === null) return missingKey;
  const digest = createHash("sha256").update(key).digest();
  const master = plan.masterKeyDigest;
  if (master !== null && timingSafeEqual(digest, master)) return masterCaller;
  const hash = digest.toString("hex");
  return plan.keys.get(hash) ?? (managed === null ? null : managed(hash)) ?? invalidKey;
}

/**
 * Whether the caller's team may use `model`: it is in the team's list, or starts with the
 * prefix of a wildcard name in it (a team allowing "anthropic/*" may call "anthropic/x").
 */
export function isModelAllowed(caller: Caller, model: string): boolean {
  if (caller.models === null || caller.models.has(model)) return true;
  for (const prefix of caller.modelPrefixes) if (model.startsWith(prefix)) return true;
  return false;
}

/** null when the caller may use the model; else the 403 to answer with. */
export function checkModelAllowed(caller: Caller, model: string): GatewayError | null {
  if (isModelAllowed(caller, model)) return null;
  return new GatewayError({
    status: 403,
    type: "permission_error",
    code: "model_not_allowed",
    param: "model",
    message:
      caller.team === null
        ? `This key may not use model "${model}". GET /v1/models lists the models this key may use; ask the gateway's operator to add the model to the key.`
        : `Team "${caller.team}" may not use model "${model}". ` +
          `GET /v1/models lists the models this key may use; ask the gateway's operator to add the model to the team.`,
  });
}
