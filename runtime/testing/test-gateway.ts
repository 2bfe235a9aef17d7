/**
 * A gateway (createGateway) wired with the fake provider, a fake fetch, a memory store, a recording sleep and a
 * capturing logger: what the runtime's unit tests drive.
 */
import type { BodyLimits } from "../http/read-json-body.ts";
import type { Hono } from "hono";
import type { GatewayEnv } from "../app.ts";
import type { GovernanceStore, ResponseStore } from "../stores/ports.ts";
import { createGateway } from "../index.ts";
import type { Bundle, KeyRef } from "../../contract/bundle.ts";
import type { PriceLookup } from "../routing/find-route.ts";
import { type EnvRecord, loadBundle, type ProviderLookup, sha256Hex } from "../start/load-bundle.ts";
import { createLogger, type RequestLogEntry } from "../http/logger.ts";
import type { RuntimePlan } from "../start/plan.ts";
import { type Clock, type SpendRecord, systemClock } from "../stores/ports.ts";
import { createMemorySpendStore, type MemorySpendStore } from "../stores/memory/memory-spend-store.ts";
import { createFakeFetch, type FakeCall, type FakeHandler, getFakeProvider } from "./fake-provider.ts";

export interface TestGatewayOptions {
  handlers?: Record<string, FakeHandler | FakeHandler[]>;
  env?: EnvRecord;
  random?: () => number;
  clock?: Clock;
  records?: SpendRecord[];
  logFormat?: "text" | "json";
  /** Adapters by provider name; the fake providers ("fake", "fake-chat") by default. */
  getProvider?: ProviderLookup;
  lookupPrice?: PriceLookup;
  bodyLimits?: BodyLimits;
  corsOrigins?: string[];
  /** Managed keys, teams, users and customers (mounts the admin API). */
  governanceStore?: GovernanceStore;
  /** Stored Responses API responses (default: the memory store, where the bundle keeps them). */
  responseStore?: ResponseStore;
  /** Prometheus metrics at GET /metrics (off by default, as in the library). */
  metrics?: boolean;
}

export interface TestGateway {
  app: Hono<GatewayEnv>;
  plan: RuntimePlan;
  calls: FakeCall[];
  store: MemorySpendStore;
  /** Every backoff the executor waited for, in ms. */
  sleeps: number[];
  /** Every line the logger wrote. */
  lines: string[];
  /** Parsed request log entries (JSON format only). */
  entries(): RequestLogEntry[];
  post(path: string, body: unknown, headers?: Record<string, string>, signal?: AbortSignal): Promise<Response>;
  chat(body: unknown, key?: string | null, signal?: AbortSignal): Promise<Response>;
  embed(body: unknown, key?: string | null): Promise<Response>;
}

export const fakeUpstreamKey = "sk-fake-upstream-secret";

export function keyHash(key: string): KeyRef {
  return { sha256: sha256Hex(key) };
}

/** Built by createGateway, the composition root `gw serve` and the library use. */
export async function createTestGateway(bundle: Bundle, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const fake = createFakeFetch(options.handlers ?? {});
  const clock = options.clock ?? systemClock;
  const plan = loadBundle(bundle, {
    env: options.env ?? { FAKE_API_KEY: fakeUpstreamKey },
    getProvider: options.getProvider ?? getFakeProvider,
    io: { fetch: fake.fetch, now: () => clock.now() },
  });
  const store = createMemorySpendStore(options.records);
  const sleeps: number[] = [];
  const lines: string[] = [];
  const logFormat = options.logFormat ?? "json";
  const { app } = await createGateway({
    plan,
    store,
    fetch: fake.fetch,
    random: options.random ?? (() => 0),
    clock,
    ...(options.lookupPrice ? { lookupPrice: options.lookupPrice } : {}),
    ...(options.bodyLimits ? { bodyLimits: options.bodyLimits } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(options.governanceStore ? { governanceStore: options.governanceStore } : {}),
    ...(options.responseStore ? { responseStore: options.responseStore } : {}),
    ...(options.metrics ? { metrics: true } : {}),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    logger: createLogger({ format: logFormat, write: (line) => lines.push(line) }),
  });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal,
    });
  return {
    app,
    plan,
    calls: fake.calls,
    store,
    sleeps,
    lines,
    entries: () =>
      lines
        .map((line) => JSON.parse(line) as RequestLogEntry & { level?: string })
        .filter((entry) => entry.level === undefined),
    post,
    chat: (body, key = null, signal) => post("/v1/chat/completions", body, key === null ? {} : { authorization: `Bearer ${key}` }, signal),
    embed: (body, key = null) => post("/v1/embeddings", body, key === null ? {} : { authorization: `Bearer ${key}` }),
  };
}

export const hello = { model: "chat", messages: [{ role: "user", content: "Hello" }] };

/** Read an SSE body into its `data:` payloads. */
export async function readSse(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}
