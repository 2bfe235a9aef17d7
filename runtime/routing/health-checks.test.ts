import { describe, expect, it } from "vitest";
import { silentLogger } from "../http/logger.ts";
import { loadBundle } from "../start/load-bundle.ts";
import { createMemorySpendStore } from "../stores/memory/memory-spend-store.ts";
import { answer, createFakeBundle, createFakeFetch, failWith, getFakeProvider } from "../testing/fake-provider.ts";
import { createDeploymentHealth } from "./deployment-health.ts";
import { healthCheckTag, startHealthChecks } from "./health-checks.ts";

function setUp(handlers: Parameters<typeof createFakeFetch>[0], healthCheckMs: number | null = 60_000) {
  const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["a", "b"] }, { name: "other", deployments: ["c"] }] });
  if (healthCheckMs !== null) bundle.routes.chat!.routing = { strategy: "weighted", allowedFails: 2, cooldownMs: 5_000, failureWindowMs: 60_000, healthCheckMs };
  const fake = createFakeFetch(handlers);
  let now = 1_000_000;
  const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: getFakeProvider, io: { fetch: fake.fetch, now: () => now } });
  const health = createDeploymentHealth();
  const store = createMemorySpendStore();
  const checks = startHealthChecks({ plan, health, fetch: fake.fetch, store, logger: silentLogger, now: () => now });
  return { checks, health, store, calls: fake.calls, advance: (ms: number) => (now += ms), now: () => now };
}

describe("active health checks", () => {
  it("none when no model asks for them", () => {
    expect(setUp({}, null).checks).toBeNull();
  });

  it("checks each deployment of the models that ask, cools a failing one down, and records what the checks cost", async () => {
    const { checks, health, store, calls, now } = setUp({ a: failWith(503), b: answer("pong"), c: answer("never") });
    await checks!.runOnce();
    await checks!.runOnce();
    expect(calls.map((call) => call.model).sort()).toEqual(["a", "a", "b", "b"]);
    expect(calls[0]?.body).toMatchObject({ messages: [{ role: "user", content: "ping" }] });
    // Two failures (allowedFails 2): a is cooling down before any client request reached it.
    expect(health.coolingUntil("chat/0", now())).toBeGreaterThan(now());
    expect(health.coolingUntil("chat/1", now())).toBe(0);
    expect(health.recentOutcomes("chat/1", now())).toEqual({ requests: 2, errors: 0 });
    expect(store.records).toHaveLength(4);
    expect(store.records.every((record) => record.tags?.includes(healthCheckTag) && record.team === null)).toBe(true);
    expect(store.records.filter((record) => record.deployment === "chat/1").every((record) => record.costUsd > 0)).toBe(true);
    checks!.stop();
  });

  it("a success after the cooldown ends the trial: the deployment is healthy again without a client request", async () => {
    let failing = true;
    const { checks, health, advance, now } = setUp({ a: (call) => (failing ? failWith(500)(call) : answer("pong")(call)), b: answer("pong") });
    await checks!.runOnce();
    await checks!.runOnce();
    expect(health.coolingUntil("chat/0", now())).toBeGreaterThan(0);
    failing = false;
    advance(5_001);
    await checks!.runOnce();
    expect(health.coolingUntil("chat/0", now())).toBe(0);
    // Healthy, not on trial: one more failure does not cool it down at once.
    failing = true;
    await checks!.runOnce();
    expect(health.coolingUntil("chat/0", now())).toBe(0);
    checks!.stop();
  });
});
