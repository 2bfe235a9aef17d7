import { describe, expect, it } from "vitest";
import { loadBundle } from "../runtime/start/load-bundle.ts";
import { createFakeBundle, getFakeProvider } from "../runtime/testing/fake-provider.ts";
import { keyHash } from "../runtime/testing/test-gateway.ts";
import { parseServeArguments, servicesOf, startBanner } from "./serve.ts";

describe("gw serve arguments", () => {
  it("has defaults", () => {
    expect(parseServeArguments([], {})).toEqual({
      source: null,
      corsOrigins: [],
      idleTimeoutSeconds: 60,
      maxBodyBytes: 10 * 1024 * 1024,
      maxInFlight: null,
      maxConnections: null,
      shutdownGraceSeconds: 10,
      port: 4000,
      host: "0.0.0.0",
      logFormat: "text",
      dataDir: ".gw",
      postgresUrl: null, postgresSchema: null, redisUrl: null, redisPrefix: "gw:", budgetTimeZone: "UTC", budgetFailClosed: false, alertWebhook: null, metrics: true, metricsPort: null,
    });
  });

  it("reads every option, in both --name value and --name=value forms", () => {
    expect(parseServeArguments(["bundle.json", "--port", "8080", "--host=127.0.0.1", "--log-format", "json", "--data-dir=/var/gw"], {})).toEqual({
      source: "bundle.json",
      corsOrigins: [],
      idleTimeoutSeconds: 60,
      maxBodyBytes: 10 * 1024 * 1024,
      maxInFlight: null,
      maxConnections: null,
      shutdownGraceSeconds: 10,
      port: 8080,
      host: "127.0.0.1",
      logFormat: "json",
      dataDir: "/var/gw",
      postgresUrl: null, postgresSchema: null, redisUrl: null, redisPrefix: "gw:", budgetTimeZone: "UTC", budgetFailClosed: false, alertWebhook: null, metrics: true, metricsPort: null,
    });
  });

  it("reads --metrics (on by default; =false or GW_METRICS=false turns it off) and --metrics-port", () => {
    expect(parseServeArguments(["--metrics=false"], {})).toMatchObject({ metrics: false, metricsPort: null });
    expect(parseServeArguments([], { GW_METRICS: "false" })).toMatchObject({ metrics: false });
    expect(parseServeArguments(["--metrics-port", "9464"], {})).toMatchObject({ metrics: true, metricsPort: 9464 });
    expect(parseServeArguments([], { GW_METRICS_PORT: "9100" })).toMatchObject({ metricsPort: 9100 });
    expect(parseServeArguments(["--metrics-port", "x"], {})).toContain("--metrics-port");
    expect(parseServeArguments(["--metrics=false", "--metrics-port", "9464"], {})).toContain("needs metrics on");
  });

  it("reads --budget-fail-closed as a flag, or from GW_BUDGET_FAIL_CLOSED", () => {
    expect(parseServeArguments(["--budget-fail-closed"], {})).toMatchObject({ budgetFailClosed: true, source: null });
    expect(parseServeArguments(["--budget-fail-closed", "config.yaml"], {})).toMatchObject({ budgetFailClosed: true, source: "config.yaml" });
    expect(parseServeArguments(["--budget-fail-closed=false"], { GW_BUDGET_FAIL_CLOSED: "true" })).toMatchObject({ budgetFailClosed: false });
    expect(parseServeArguments([], { GW_BUDGET_FAIL_CLOSED: "true" })).toMatchObject({ budgetFailClosed: true });
    expect(parseServeArguments(["--budget-fail-closed=yes"], {})).toBe("--budget-fail-closed takes no value (or =true / =false)");
  });

  it("reads the connection and body limits, and refuses bad values", () => {
    expect(parseServeArguments(["--idle-timeout", "5", "--max-body-bytes=2048", "--max-in-flight", "100", "--shutdown-grace", "2.5"], {})).toMatchObject({
      idleTimeoutSeconds: 5,
      maxBodyBytes: 2048,
      maxInFlight: 100,
      shutdownGraceSeconds: 2.5,
    });
    expect(parseServeArguments(["--shutdown-grace", "-1"], {})).toContain("--shutdown-grace");
    expect(parseServeArguments(["--idle-timeout", "0"], {})).toContain("--idle-timeout");
    expect(parseServeArguments(["--idle-timeout", "256"], {})).toContain("--idle-timeout");
    expect(parseServeArguments(["--max-body-bytes", "12"], {})).toContain("--max-body-bytes");
    expect(parseServeArguments(["--max-in-flight", "0"], {})).toContain("--max-in-flight");
  });

  it("reads Postgres, Redis, budget time zone and alert webhook from flags, else the environment", () => {
    const env = {
      DATABASE_URL: "postgres://db/fallback",
      GW_POSTGRES_URL: "postgres://gw:secret@db:5432/gw",
      GW_REDIS_URL: "redis://cache:6379",
      GW_BUDGET_TIMEZONE: "Europe/Paris",
      GW_ALERT_WEBHOOK_URL: "https://hooks.example.com/gw",
    };
    expect(parseServeArguments([], env)).toMatchObject({
      postgresUrl: "postgres://gw:secret@db:5432/gw",
      redisUrl: "redis://cache:6379",
      budgetTimeZone: "Europe/Paris",
      alertWebhook: "https://hooks.example.com/gw",
    });
    expect(parseServeArguments([], { DATABASE_URL: "postgresql://db/app" })).toMatchObject({ postgresUrl: "postgresql://db/app" });
    expect(
      parseServeArguments(["--postgres-url", "postgres://other/db", "--postgres-schema", "gw_prod", "--redis-prefix", "gw:prod:", "--budget-timezone=America/New_York"], env),
    ).toMatchObject({ postgresUrl: "postgres://other/db", postgresSchema: "gw_prod", redisPrefix: "gw:prod:", budgetTimeZone: "America/New_York" });
  });

  it("refuses malformed URLs, schema names and time zones", () => {
    expect(parseServeArguments(["--postgres-url", "mysql://db"], {})).toContain("postgres://");
    expect(parseServeArguments(["--redis-url", "http://cache"], {})).toContain("redis://");
    expect(parseServeArguments(["--postgres-schema", "gw; DROP TABLE x"], {})).toContain("invalid --postgres-schema");
    expect(parseServeArguments(["--budget-timezone", "Mars/Olympus"], {})).toContain("invalid --budget-timezone");
    expect(parseServeArguments(["--alert-webhook", "ftp://x"], {})).toContain("http");
  });

  it("takes the port from PORT unless --port is given", () => {
    expect(parseServeArguments([], { PORT: "5000" })).toMatchObject({ port: 5000 });
    expect(parseServeArguments(["--port", "6000"], { PORT: "5000" })).toMatchObject({ port: 6000 });
  });

  it("explains bad input", () => {
    expect(parseServeArguments(["--port", "http"], {})).toContain('invalid port "http"');
    expect(parseServeArguments(["--port"], {})).toContain("--port needs a value");
    expect(parseServeArguments(["--log-format", "xml"], {})).toContain("text or json");
    expect(parseServeArguments(["--verbose"], {})).toContain("unknown option --verbose");
    expect(parseServeArguments(["a.yaml", "b.yaml"], {})).toContain('unexpected argument "b.yaml"');
  });
});

describe("start banner", () => {
  it("shows where gw listens, the store, the bundle, the auth mode and the models with their deployments", () => {
    const bundle = createFakeBundle({
      models: [
        { name: "chat", deployments: [{ model: "a", weight: 3 }, { model: "b", weight: 1 }], fallbacks: ["backup"] },
        { name: "backup", deployments: ["c"] },
      ],
      masterKey: keyHash("master-secret"),
      teams: [{ name: "research", budget: null, models: null }],
      keys: [{ name: "ci", team: "research", key: keyHash("team-secret") }],
    });
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "sk-up" }, getProvider: getFakeProvider });
    const text = startBanner(plan, "http://0.0.0.0:4000", "sqlite .gw/gw.db").join("\n");
    expect(text).toContain("gw listening on http://0.0.0.0:4000");
    expect(text).toContain("store: sqlite .gw/gw.db");
    expect(text).toContain(bundle.hash);
    expect(text).toContain("auth: master key + 1 team key");
    expect(text).toContain("chat -> chat/0 (fake/a, 75%), chat/1 (fake/b, 25%); falls back to backup");
    expect(text).not.toContain("sk-up");
  });

  it("says loudly when the gateway is open", () => {
    const plan = loadBundle(createFakeBundle({ models: [{ name: "chat", deployments: ["a"] }] }), {
      env: { FAKE_API_KEY: "k" },
      getProvider: getFakeProvider,
    });
    expect(startBanner(plan, "http://x:1", "memory").join("\n")).toContain("auth: OPEN");
  });
});

describe("servicesOf", () => {
  const plan = (postgresUrl: string | null, redisUrl: string | null) => ({ services: { postgresUrl, redisUrl } });

  it("takes the command line's Postgres and Redis, else the config's", () => {
    expect(servicesOf({ postgresUrl: null, redisUrl: null }, plan("postgres://db/app", "redis://cache:6379"))).toEqual({ postgresUrl: "postgres://db/app", redisUrl: "redis://cache:6379" });
    expect(servicesOf({ postgresUrl: "postgres://flag/db", redisUrl: null }, plan("postgres://db/app", null))).toEqual({ postgresUrl: "postgres://flag/db", redisUrl: null });
  });

  it("refuses a config URL of the wrong kind, without echoing it", () => {
    const refused = servicesOf({ postgresUrl: null, redisUrl: null }, plan("mysql://user:pw@db/app", null));
    expect(refused).toBe("the config's Postgres URL must start with postgres:// or postgresql://");
    expect(servicesOf({ postgresUrl: null, redisUrl: null }, plan(null, "http://cache"))).toBe("the config's Redis URL must start with redis:// or rediss://");
  });
});
