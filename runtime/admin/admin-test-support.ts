/** Test support for the admin API: an app on a memory store, a settable clock, and request helpers. */
import { GatewayError } from "../http/errors.ts";
import type { ConfigEntities } from "../governance/config-entities.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";
import type { GovernanceStore, Subject } from "../stores/ports.ts";
import { createAdminApp } from "./admin-app.ts";
import { hashKey } from "./key-secret.ts";

export const masterKey = "master-secret-for-tests";
export const startTime = Date.parse("2025-03-10T12:00:00.000Z");

export interface AdminCall {
  status: number;
  headers: Headers;
  /** The parsed answer, read loosely by tests (test support, not a public type). */
  json: any;
  text: string;
}

export interface AdminHarness {
  store: GovernanceStore;
  setNow(ms: number): void;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<AdminCall>;
  get(path: string): Promise<AdminCall>;
  post(path: string, body?: unknown): Promise<AdminCall>;
  /** Everything the store holds, serialized: to check that no key secret was stored. */
  dump(): Promise<string>;
}

export interface AdminHarnessOptions {
  store?: GovernanceStore;
  configEntities?: ConfigEntities;
  spend?: (subject: Subject) => Promise<number>;
  afterChange?: () => Promise<void>;
}

export function createAdminHarness(options: AdminHarnessOptions = {}): AdminHarness {
  const store = options.store ?? createMemoryGovernanceStore();
  let now = startTime;
  const app = createAdminApp({
    store,
    clock: { now: () => now },
    masterKeyHash: hashKey(masterKey),
    ...(options.configEntities === undefined ? {} : { configEntities: options.configEntities }),
    ...(options.spend === undefined ? {} : { spend: options.spend }),
    ...(options.afterChange === undefined ? {} : { afterChange: options.afterChange }),
    authorizeAdmin(headers) {
      const authorization = headers.get("authorization");
      if (authorization === `Bearer ${masterKey}`) return { actor: "master" };
      if (authorization === "Bearer team-key") {
        return new GatewayError({ status: 403, type: "permission_error", code: "not_admin", message: "This key may not call the admin API." });
      }
      return new GatewayError({ status: 401, type: "authentication_error", code: "invalid_api_key", message: "Send the master key." });
    },
  });
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminCall> => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  return {
    store,
    setNow(ms) {
      now = ms;
    },
    request,
    get: (path) => request("GET", path),
    post: (path, body = {}) => request("POST", path, body),
    async dump() {
      const [keys, teams, users, customers, audit] = await Promise.all([
        store.listKeys(),
        store.listTeams(),
        store.listUsers(),
        store.listCustomers(),
        store.listAudit({ limit: 100_000 }),
      ]);
      return JSON.stringify({ keys, teams, users, customers, audit });
    },
  };
}
