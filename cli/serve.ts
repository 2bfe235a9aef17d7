/**
 * `gw serve [config.ts|config.yaml|bundle.json] [--port 4000] [--host 0.0.0.0]
 *           [--log-format text|json] [--data-dir .gw] [--postgres-url URL] [--postgres-schema NAME]
 *           [--redis-url URL] [--redis-prefix gw:] [--budget-timezone UTC] [--budget-fail-closed] [--alert-webhook URL]`
 *
 * Loads a bundle (a `.json` file, checked once) or compiles a config in memory, resolves its
 * environment references (refusing to start, listing every missing variable), opens the stores
 * and serves the app on Bun until SIGINT/SIGTERM.
 *
 * Stores: embedded by default (SQLite spend and governance databases under --data-dir,
 * in-process limits and budgets; /spend/logs and /spend/report read the SQLite ledger). With a
 * Postgres URL: migrations at start-up (under an advisory lock), the Postgres spend ledger
 * (spooled to <data-dir>/spool-<port> while Postgres is down, and read by /spend/logs and
 * /spend/report) and governance store (LISTEN/NOTIFY invalidation). With a
 * Redis URL: cluster-wide rate limits and budget reservations, per process while Redis is down.
 */
import { isValidTimeZone } from "../runtime/budgets/budget-period.ts";
import type { BudgetLedger, GovernanceStore, RateLimiter, ResponseStore, SpendQueries } from "../runtime/stores/ports.ts";
import type { CooldownShare } from "../runtime/routing/deployment-health.ts";
import { join, relative, resolve } from "node:path";
import { compileConfig, findConfigFile, formatDiagnostics } from "../compiler/index.ts";
import { lookupPrice } from "../contract/prices.ts";
import { defaultBodyLimits } from "../runtime/http/read-json-body.ts";
import { createGateway } from "../runtime/index.ts";
import type { Bundle } from "../contract/bundle.ts";
import { BundleLoadError, loadBundle, MissingEnvError } from "../runtime/start/load-bundle.ts";
import { createLogger, type LogFormat, type Logger } from "../runtime/http/logger.ts";
import type { RuntimePlan } from "../runtime/start/plan.ts";
import { type FetchFunction, type SpendStore, systemClock } from "../runtime/stores/ports.ts";
import { getProvider } from "../runtime/providers/registry.ts";
import { readBundleFile } from "../runtime/start/read-bundle-file.ts";

const usage = `Usage: gw serve [config|bundle.json] [--port 4000] [--host 0.0.0.0] [--log-format text|json] [--data-dir .gw]
                [--cors-origins https://app.example.com,...] [--idle-timeout 60] [--max-body-bytes 10485760] [--max-in-flight N] [--max-connections N] [--shutdown-grace 10]
                [--postgres-url URL] [--postgres-schema NAME] [--redis-url URL] [--redis-prefix gw:]
                [--budget-timezone UTC] [--budget-fail-closed] [--alert-webhook URL] [--metrics=false] [--metrics-port N]

  config            gateway.config.ts or .yaml (compiled in memory), or a bundle from \`gw build\` (.json).
                    Default: ./gateway.config.ts, then ./gateway.config.yaml.
  --port            port to listen on (default: $PORT, else 4000)
  --cors-origins    comma-separated browser origins allowed by CORS, or * (default: none, CORS off)
  --idle-timeout    seconds a silent connection stays open, 1-255 (default 60; off while a request is answered)
  --max-body-bytes  largest request body accepted, in bytes (default 10485760 = 10 MiB); larger: 413
  --max-in-flight   requests this process answers at once; more get 503 server_busy (default: no cap)
  --max-connections connections this process keeps open at once, through a connection guard in front of
                    the server that also closes connections silent from the start; more get 503 server_busy
                    and are closed (default: no guard)
  --shutdown-grace  seconds in-flight requests may run on after SIGTERM/SIGINT (default 10); streams still
                    running then get an error event and a clean close, and their usage is recorded
  --host            address to bind (default 0.0.0.0)
  --log-format      text (default) or json: one line per request on stdout
  --data-dir        where the embedded databases and the Postgres spool live (default .gw)
  --postgres-url    store keys, teams and the spend ledger in Postgres (default: $GW_POSTGRES_URL, else $DATABASE_URL);
                    migrations run at start-up; /spend/logs and /spend/report then read it (else the embedded ledger).
  --postgres-schema schema of gw's tables (default: $GW_POSTGRES_SCHEMA, else the connection's search_path)
  --redis-url       cluster-wide rate limits and budgets through Redis (default: $GW_REDIS_URL)
  --redis-prefix    prefix of every Redis key (default: $GW_REDIS_PREFIX, else gw:)
  --budget-timezone time zone of budget periods (1d, 7d, 1mo) (default: $GW_BUDGET_TIMEZONE, else UTC)
  --budget-fail-closed
                    refuse (503 budget_unavailable) requests with a hard budget while their spend cannot be
                    counted cluster-wide (Redis unreachable, recorded spend unreadable); default: admit them
                    on this replica's share of what was left ($GW_BUDGET_FAIL_CLOSED=true also sets it)
  --alert-webhook   URL that receives a JSON POST when a soft budget is crossed (default: $GW_ALERT_WEBHOOK_URL)
  --metrics         Prometheus metrics at GET /metrics for the master key and admin keys (default on;
                    --metrics=false or $GW_METRICS=false turns them off)
  --metrics-port    also serve GET /metrics without a key on this port (for a scraper inside the cluster;
                    default: $GW_METRICS_PORT, else none)
`;

export interface ServeArguments {
  source: string | null;
  /** Browser origins allowed by CORS (empty: CORS off). */
  corsOrigins: string[];
  /** Seconds a silent connection stays open (1-255, default 60). */
  idleTimeoutSeconds: number;
  /** Largest request body, in bytes (default 10 MiB). */
  maxBodyBytes: number;
  /** Requests answered at once by this process (default: no cap). */
  maxInFlight: number | null;
  /** Connections open at once, through the connection guard (default: no guard). */
  maxConnections: number | null;
  /** Seconds in-flight requests may run on after a shutdown signal (default 10). */
  shutdownGraceSeconds: number;
  port: number;
  host: string;
  logFormat: LogFormat;
  dataDir: string;
  postgresUrl: string | null;
  postgresSchema: string | null;
  redisUrl: string | null;
  redisPrefix: string;
  budgetTimeZone: string;
  /** Refuse budgeted requests whose spend cannot be counted cluster-wide. */
  budgetFailClosed: boolean;
  alertWebhook: string | null;
  /** Prometheus metrics on (default). */
  metrics: boolean;
  /** A port serving GET /metrics without a key; null: none. */
  metricsPort: number | null;
}

const options = [
  "cors-origins",
  "idle-timeout",
  "max-body-bytes",
  "max-in-flight",
  "max-connections",
  "shutdown-grace",
  "port",
  "host",
  "log-format",
  "data-dir",
  "postgres-url",
  "postgres-schema",
  "redis-url",
  "redis-prefix",
  "budget-timezone",
  "alert-webhook",
  "metrics-port",
];

/** Options that take no value (`--name`, or `--name=true|false`). */
const flags = ["budget-fail-closed", "metrics"];

const nonEmpty = (...values: (string | undefined)[]): string | null => {
  for (const value of values) if (value !== undefined && value !== "") return value;
  return null;
};

/** Parse `gw serve` arguments; returns an error message for bad input. */
export function parseServeArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeArguments | string {
  const values = new Map<string, string>();
  let source: string | null = null;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
      if (flags.includes(name)) {
        const value = equals === -1 ? "true" : arg.slice(equals + 1);
        if (value !== "true" && value !== "false") return `--${name} takes no value (or =true / =false)`;
        values.set(name, value);
        continue;
      }
      if (!options.includes(name)) return `unknown option --${name}`;
      const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
      if (value === undefined || value === "") return `--${name} needs a value`;
      values.set(name, value);
    } else if (source === null) {
      source = arg;
    } else {
      return `unexpected argument "${arg}" (only one config or bundle may be given)`;
    }
  }
  const portText = values.get("port") ?? env.PORT ?? "4000";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) return `invalid port "${portText}" (expected a number from 0 to 65535)`;
  const logFormat = values.get("log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") return `invalid --log-format "${logFormat}" (expected text or json)`;
  const postgresUrl = nonEmpty(values.get("postgres-url"), env.GW_POSTGRES_URL, env.DATABASE_URL);
  if (postgresUrl !== null && !/^postgres(ql)?:\/\//.test(postgresUrl)) return "the Postgres URL must start with postgres:// or postgresql://";
  const postgresSchema = nonEmpty(values.get("postgres-schema"), env.GW_POSTGRES_SCHEMA);
  if (postgresSchema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(postgresSchema)) {
    return `invalid --postgres-schema "${postgresSchema}" (letters, digits and _, at most 63, not starting with a digit)`;
  }
  const redisUrl = nonEmpty(values.get("redis-url"), env.GW_REDIS_URL);
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) return "the Redis URL must start with redis:// or rediss://";
  const budgetTimeZone = nonEmpty(values.get("budget-timezone"), env.GW_BUDGET_TIMEZONE) ?? "UTC";
  if (!isValidTimeZone(budgetTimeZone)) return `invalid --budget-timezone "${budgetTimeZone}" (expected an IANA time zone such as UTC or Europe/Paris)`;
  const alertWebhook = nonEmpty(values.get("alert-webhook"), env.GW_ALERT_WEBHOOK_URL);
  if (alertWebhook !== null && !/^https?:\/\//.test(alertWebhook)) return "the alert webhook must be an http:// or https:// URL";
  const idleText = values.get("idle-timeout") ?? "60";
  const idleTimeoutSeconds = Number(idleText);
  if (!/^\d+$/.test(idleText) || idleTimeoutSeconds < 1 || idleTimeoutSeconds > 255) return `invalid --idle-timeout "${idleText}" (expected seconds from 1 to 255)`;
  const bodyText = values.get("max-body-bytes") ?? String(defaultBodyLimits.maxBytes);
  const maxBodyBytes = Number(bodyText);
  if (!/^\d+$/.test(bodyText) || maxBodyBytes < 1024) return `invalid --max-body-bytes "${bodyText}" (expected a number of bytes, at least 1024)`;
  const inFlightText = values.get("max-in-flight");
  const maxInFlight = inFlightText === undefined ? null : Number(inFlightText);
  if (inFlightText !== undefined && (!/^\d+$/.test(inFlightText) || maxInFlight === 0)) return `invalid --max-in-flight "${inFlightText}" (expected a positive number)`;
  const connectionsText = values.get("max-connections");
  const maxConnections = connectionsText === undefined ? null : Number(connectionsText);
  if (connectionsText !== undefined && (!/^\d+$/.test(connectionsText) || maxConnections === 0)) return `invalid --max-connections "${connectionsText}" (expected a positive number)`;
  const graceText = values.get("shutdown-grace") ?? "10";
  const shutdownGraceSeconds = Number(graceText);
  if (!/^\d+(\.\d+)?$/.test(graceText) || shutdownGraceSeconds > 3600) return `invalid --shutdown-grace "${graceText}" (expected seconds from 0 to 3600)`;
  const metricsPortText = nonEmpty(values.get("metrics-port"), env.GW_METRICS_PORT);
  const metricsPort = metricsPortText === null ? null : Number(metricsPortText);
  if (metricsPortText !== null && (!/^\d+$/.test(metricsPortText) || (metricsPort as number) > 65535)) return `invalid --metrics-port "${metricsPortText}" (expected a number from 0 to 65535)`;
  const metrics = (values.get("metrics") ?? (env.GW_METRICS === "false" || env.GW_METRICS === "0" ? "false" : "true")) === "true";
  if (!metrics && metricsPort !== null) return "--metrics-port needs metrics on (drop --metrics=false)";
  const corsOrigins = (values.get("cors-origins") ?? "").split(",").map((origin) => origin.trim()).filter((origin) => origin !== "");
  const badOrigin = corsOrigins.find((origin) => origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin));
  if (badOrigin !== undefined) return `invalid --cors-origins entry "${badOrigin}" (expected origins such as https://app.example.com, or *)`;
  return {
    source,
    corsOrigins,
    idleTimeoutSeconds,
    maxBodyBytes,
    maxInFlight,
    maxConnections,
    shutdownGraceSeconds,
    port,
    host: values.get("host") ?? "0.0.0.0",
    logFormat,
    dataDir: values.get("data-dir") ?? ".gw",
    postgresUrl,
    postgresSchema,
    redisUrl,
    redisPrefix: nonEmpty(values.get("redis-prefix"), env.GW_REDIS_PREFIX) ?? "gw:",
    budgetTimeZone,
    budgetFailClosed: (values.get("budget-fail-closed") ?? (env.GW_BUDGET_FAIL_CLOSED === "true" || env.GW_BUDGET_FAIL_CLOSED === "1" ? "true" : "false")) === "true",
    alertWebhook,
    metrics,
    metricsPort,
  };
}

/** A Redis URL for messages: scheme, host and port, never credentials. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ""}`;
  } catch {
    return "redis (unparsable URL)";
  }
}

/** POSTs one JSON alert to the webhook; failures are logged, never thrown (alerts are off the request path). */
export function createWebhookAlert(url: string, fetchFunction: FetchFunction, logger: Logger): (alert: unknown) => void {
  return (alert) => {
    fetchFunction(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (response) => {
        await response.arrayBuffer().catch(() => {});
        if (!response.ok) logger.warn(`alert webhook answered ${response.status}`);
      },
      (error: unknown) => logger.warn(`alert webhook failed (${error instanceof Error ? error.message : String(error)})`),
    );
  };
}

/** The spend store whose close() also closes what it depends on (pools, connections), in order. */
function closingAlso(store: SpendStore, closers: ReadonlyArray<() => Promise<void>>): SpendStore {
  const wrapped: SpendStore = {
    description: store.description,
    record: (entry) => store.record(entry),
    subjectSpendSince: (kind, id, sinceMs) => store.subjectSpendSince(kind, id, sinceMs),
    flush: () => store.flush(),
    async close() {
      try {
        await store.close();
      } finally {
        for (const close of closers) await close().catch(() => {});
      }
    },
  };
  if (store.subjectSpendSince !== undefined) wrapped.subjectSpendSince = store.subjectSpendSince.bind(store);
  if (store.healthy !== undefined) wrapped.healthy = () => (store.healthy as () => boolean | Promise<boolean>)();
  if (store.queueStatus !== undefined) wrapped.queueStatus = () => store.queueStatus!();
  return wrapped;
}

export async function runServe(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  const given = parseServeArguments(args, process.env);
  if (typeof given === "string") {
    process.stderr.write(`gw serve: ${given}\n\n${usage}`);
    return 2;
  }
  let parsed: ServeArguments = given;
  const cwd = process.cwd();
  const source = parsed.source ?? findConfigFile(cwd);
  if (source === null) {
    process.stderr.write(
      "gw serve: no config found: looked for ./gateway.config.ts and ./gateway.config.yaml. " +
        "Pass a config or a bundle: gw serve path/to/gateway.config.ts\n",
    );
    return 1;
  }

  let bundle: Bundle;
  if (source.endsWith(".json")) {
    try {
      bundle = await readBundleFile(resolve(cwd, source));
    } catch (error) {
      process.stderr.write(`gw serve: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  } else {
    const result = await compileConfig(source, { cwd, env: process.env });
    if (result.diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(result.diagnostics, "text")}\n`);
    if (result.bundle === null) {
      process.stderr.write(`gw serve: ${relative(cwd, result.path) || result.path} has errors; not starting.\n`);
      return 1;
    }
    bundle = result.bundle;
  }

  // One fetch for adapters' requests and their authorizers' token exchanges.
  const fetchFunction: FetchFunction = (url, init) => fetch(url, init);
  let plan: RuntimePlan;
  try {
    plan = loadBundle(bundle, { env: process.env, getProvider, io: { fetch: fetchFunction, now: () => systemClock.now() } });
  } catch (error) {
    if (error instanceof MissingEnvError || error instanceof BundleLoadError) {
      process.stderr.write(`gw serve: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  // The command line and its env vars win; then the config's services (LiteLLM's database_url, redis_*).
  const services = servicesOf(parsed, plan);
  if (typeof services === "string") {
    process.stderr.write(`gw serve: ${services}\n`);
    return 1;
  }
  parsed = { ...parsed, ...services };

  // Bun-only modules are imported here, so the helpers above stay importable from Node tests.
  const { startBunServer, startMetricsServer } = await import("../runtime/host/bun/serve.ts");
  const logger = createLogger({ format: parsed.logFormat, batchMs: 20 });
  process.on("exit", () => logger.flush?.());
  /** Closed after the spend store at shutdown (or right away when start-up fails). */
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };

  let store: SpendStore;
  let governanceStore: GovernanceStore;
  let spendQueries: SpendQueries | undefined;
  /** Stored Responses API responses on Postgres, shared by the replicas (else in memory, per process). */
  let responseStore: ResponseStore | undefined;
  let storeLine: string;
  if (parsed.postgresUrl !== null) {
    const postgres = await import("../runtime/host/postgres/index.ts");
    const schema = parsed.postgresSchema ?? undefined;
    const where = `${postgres.describePostgresUrl(parsed.postgresUrl)}${schema === undefined ? "" : ` (schema ${schema})`}`;
    const sql = postgres.connectPostgres({ url: parsed.postgresUrl, schema, max: 8 });
    closers.push(() => sql.end({ timeout: 5 }));
    try {
      const migrated = await postgres.migrate(sql, { schema });
      if (migrated.applied.length > 0) logger.info(`postgres: applied ${migrated.applied.length} migration(s): ${migrated.applied.join(", ")}`);
    } catch (error) {
      process.stderr.write(`gw serve: cannot migrate the Postgres database ${where} (${error instanceof Error ? error.message : String(error)}).\n`);
      await closeAll();
      return 1;
    }
    // One spool directory per listening port: replicas sharing a data dir never share a spool
    // (the spool takes a lock file), and a restart on the same port replays what it left.
    const spoolDir = join(parsed.dataDir, `spool-${parsed.port === 0 ? `pid${process.pid}` : parsed.port}`);
    try {
      store = postgres.createPostgresSpendStore({ sql, schema, spoolDir, onError: (message) => logger.warn(message) });
    } catch (error) {
      process.stderr.write(`gw serve: cannot open the spend spool ${spoolDir} (${error instanceof Error ? error.message : String(error)}). Check --data-dir.\n`);
      await closeAll();
      return 1;
    }
    const pgGovernance = postgres.createPostgresGovernanceStore({ sql, schema, onError: (message) => logger.warn(message) });
    governanceStore = pgGovernance;
    closers.push(() => pgGovernance.close());
    spendQueries = postgres.createPostgresSpendQueries(sql, schema);
    if (plan.responsesStore !== null) {
      responseStore = postgres.createPostgresResponseStore({ sql, schema, ttlMs: plan.responsesStore.ttlMs, clock: systemClock, onError: (message) => logger.warn(message) });
    }
    storeLine = `postgres ${where} (spool ${spoolDir})`;
  } else {
    const { createSqliteSpendStore } = await import("../runtime/host/bun/sqlite-spend-store.ts");
    const databasePath = join(parsed.dataDir, "gw.db");
    try {
      const sqliteStore = createSqliteSpendStore({ path: databasePath, onError: (message) => logger.error(message) });
      store = sqliteStore;
      // /spend/logs and /spend/report, answered by the store's worker thread (never on this one).
      spendQueries = sqliteStore.queries;
    } catch (error) {
      process.stderr.write(`gw serve: cannot open the spend database ${databasePath} (${error instanceof Error ? error.message : String(error)}). Check --data-dir.\n`);
      return 1;
    }
    // Keys, teams, users and customers created through the admin API (embedded: SQLite beside the
    // spend database, in its own file so admin writes never wait on the spend writer's lock).
    const { createSqliteGovernanceStore } = await import("../runtime/host/bun/sqlite-governance-store.ts");
    const governancePath = join(parsed.dataDir, "governance.db");
    try {
      const sqliteGovernance = createSqliteGovernanceStore({ path: governancePath });
      governanceStore = sqliteGovernance;
      closers.push(() => sqliteGovernance.close());
    } catch (error) {
      process.stderr.write(`gw serve: cannot open the governance database ${governancePath} (${error instanceof Error ? error.message : String(error)}). Check --data-dir.\n`);
      await store.close();
      return 1;
    }
    storeLine = store.description;
  }

  // Rate limits and budget reservations: cluster-wide through Redis (per process, on a share of
  // what was left, while it is unreachable), else per process. Budget counters start empty in a
  // new process (and Redis has not seen spend counted in-process during an outage): each
  // subject's recorded spend is loaded on its first request in a period, and again after Redis
  // comes back (onRecovered forgets what was loaded).
  let limitsLine = "in-process";
  let limits: { limiter: RateLimiter; ledger: BudgetLedger } | undefined;
  let cooldowns: CooldownShare | undefined;
  let forgetSeeded = (): void => {};
  if (parsed.redisUrl !== null) {
    const { createRedisGovernance } = await import("../runtime/host/redis/redis-governance.ts");
    const redis = await createRedisGovernance({
      url: parsed.redisUrl,
      prefix: parsed.redisPrefix,
      log: (message) => logger.warn(`redis: ${message}`),
      onRecovered: () => forgetSeeded(),
      failClosed: parsed.budgetFailClosed,
    });
    closers.push(() => redis.close());
    limits = { limiter: redis.rateLimiter, ledger: redis.budgetLedger };
    cooldowns = redis.cooldowns;
    limitsLine = `redis ${describeRedisUrl(parsed.redisUrl)} (prefix ${parsed.redisPrefix}; ${parsed.budgetFailClosed ? "budgeted requests refused" : "per process"} while unreachable)`;
  }
  const webhook = parsed.alertWebhook === null ? null : createWebhookAlert(parsed.alertWebhook, fetchFunction, logger);
  // Aborted when the shutdown grace ends: streams still running end with an error event and are recorded.
  const shutdown = new AbortController();
  const gateway = await createGateway({
    plan,
    store: closingAlso(store, closers.reverse()),
    governanceStore,
    ...(responseStore === undefined ? {} : { responseStore }),
    ...(limits === undefined ? {} : { limits }),
    ...(cooldowns === undefined ? {} : { cooldowns }),
    budgetTimeZone: parsed.budgetTimeZone,
    budgetFailClosed: parsed.budgetFailClosed,
    ...(webhook === null
      ? {}
      : {
          alert: (subject, spentUsd, softBudgetUsd) =>
            webhook({
              type: "soft_budget_crossed",
              subject: subject.kind,
              id: subject.id,
              spent_usd: spentUsd,
              soft_budget_usd: softBudgetUsd,
              at: new Date(systemClock.now()).toISOString(),
            }),
        }),
    logger,
    fetch: fetchFunction,
    lookupPrice,
    bodyLimits: { maxBytes: parsed.maxBodyBytes, maxDepth: defaultBodyLimits.maxDepth },
    corsOrigins: parsed.corsOrigins,
    shutdown: shutdown.signal,
    metrics: parsed.metrics,
    ...(spendQueries === undefined ? {} : { spendQueries }),
  });
  forgetSeeded = () => gateway.enforcement.seeding?.reset();
  store = gateway.store;
  const app = gateway.app;

  let server;
  try {
    server = await startBunServer({
      fetch: app.fetch,
      store,
      logger,
      port: parsed.port,
      hostname: parsed.host,
      idleTimeoutSeconds: parsed.idleTimeoutSeconds,
      maxBodyBytes: parsed.maxBodyBytes,
      shutdownGraceMs: parsed.shutdownGraceSeconds * 1000,
      endStreams: () => shutdown.abort(),
      ...(parsed.maxInFlight === null ? {} : { maxInFlight: parsed.maxInFlight }),
      ...(parsed.maxConnections === null ? {} : { maxConnections: parsed.maxConnections }),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const detail = code === "EADDRINUSE" ? `port ${parsed.port} is already in use; pick another with --port` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`gw serve: cannot listen on ${parsed.host}:${parsed.port}: ${detail}\n`);
    await store.close();
    return 1;
  }

  let metricsLine = "off";
  if (gateway.metrics !== null) {
    metricsLine = "GET /metrics (master key or an admin key)";
    if (parsed.metricsPort !== null) {
      const metrics = gateway.metrics;
      try {
        const metricsServer = startMetricsServer({ port: parsed.metricsPort, hostname: parsed.host, contentType: metrics.contentType, scrape: () => metrics.scrape() });
        metricsLine += `; without a key on ${metricsServer.url}/metrics`;
      } catch (error) {
        process.stderr.write(`gw serve: cannot listen for metrics on ${parsed.host}:${parsed.metricsPort}: ${error instanceof Error ? error.message : String(error)}\n`);
        await server.shutdown("the metrics port could not be opened");
        return 1;
      }
    }
  }
  const lines = startBanner(plan, server.url, storeLine);
  lines.splice(3, 0, `  limits: ${limitsLine}${parsed.budgetTimeZone === "UTC" ? "" : ` (budget periods in ${parsed.budgetTimeZone})`}`);
  lines.splice(4, 0, `  metrics: ${metricsLine}`);
  if (parsed.logFormat === "json") for (const line of lines) logger.info(line.trim());
  else process.stdout.write(`${lines.join("\n")}\n`);
  if (plan.open) {
    process.stderr.write(
      "gw serve: WARNING: the config has no masterKey and no keys, so this gateway accepts requests from ANYONE who can reach it. " +
        "Add masterKey: env(\"GW_MASTER_KEY\") (and team keys) to the config before exposing it.\n",
    );
  }
  return -1;
}

/** What the operator sees at start-up; names and counts only, never a key. */
export function startBanner(plan: RuntimePlan, url: string, storeDescription: string): string[] {
  const lines = [`gw listening on ${url}`];
  lines.push(`  bundle: ${plan.bundleHash} (from ${plan.source})`);
  lines.push(`  store: ${storeDescription}`);
  const teamKeys = plan.keys.size;
  const auth = plan.open
    ? "OPEN (no master key, no team keys)"
    : [plan.masterKeyDigest !== null ? "master key" : null, teamKeys > 0 ? `${teamKeys} team key${teamKeys === 1 ? "" : "s"}` : null]
        .filter((part) => part !== null)
        .join(" + ");
  lines.push(`  auth: ${auth}${plan.masterKeyDigest !== null ? " (admin API: /key, /team, /user, /customer, /audit)" : ""}`);
  lines.push(`  models:`);
  const wildcards = new Map(plan.wildcardRoutes.map((route) => [route.name, route]));
  for (const name of plan.modelNames) {
    const route = plan.routes.get(name) ?? wildcards.get(name);
    if (route === undefined) continue;
    const shares = route.deployments.map((target, index) => {
      const share = (route.cumulativeWeights[index] as number) - (index === 0 ? 0 : (route.cumulativeWeights[index - 1] as number));
      const { id, provider, model } = target.deployment;
      return `${id} (${provider}/${model}${route.deployments.length > 1 ? `, ${Math.round(share * 100)}%` : ""})`;
    });
    const fallbacks = route.fallbacks.length > 0 ? `; falls back to ${route.fallbacks.join(", ")}` : "";
    lines.push(`    ${route.name} -> ${shares.join(", ")}${fallbacks}`);
  }
  return lines;
}

/** The Postgres and Redis URLs to use: the command line's (and their env vars'), else the config's; or why they are unusable. */
export function servicesOf(parsed: Pick<ServeArguments, "postgresUrl" | "redisUrl">, plan: Pick<RuntimePlan, "services">): { postgresUrl: string | null; redisUrl: string | null } | string {
  const postgresUrl = parsed.postgresUrl ?? plan.services.postgresUrl;
  if (postgresUrl !== null && !/^postgres(ql)?:\/\//.test(postgresUrl)) return "the config's Postgres URL must start with postgres:// or postgresql://";
  const redisUrl = parsed.redisUrl ?? plan.services.redisUrl;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) return "the config's Redis URL must start with redis:// or rediss://";
  return { postgresUrl, redisUrl };
}
