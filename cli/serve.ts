/**
 * `gw serve [config.ts|config.yaml|bundle.json] [--port 4000] [--host 0.0.0.0]
 *           [--log-format text|json] [--data-dir .gw]`
 *
 * Loads a bundle (a `.json` file, checked once) or compiles a config in memory, resolves its
 * environment references (refusing to start, listing every missing variable), opens the
 * SQLite spend store, and serves the app on Bun until SIGINT/SIGTERM.
 */
import { createGovernanceCache } from "../runtime/governance/governance-cache.ts";
import { configEntitiesFromPlan } from "../runtime/governance/config-entities.ts";
import { join, relative, resolve } from "node:path";
import { compileConfig, findConfigFile, formatDiagnostics } from "../compiler/index.ts";
import { lookupPrice } from "../compiler/prices.ts";
import { createApp } from "../runtime/app.ts";
import type { Bundle } from "../runtime/bundle.ts";
import { createBudgetTracker } from "../runtime/budget.ts";
import { BundleLoadError, loadBundle, MissingEnvError } from "../runtime/load-bundle.ts";
import { createLogger, type LogFormat } from "../runtime/logger.ts";
import type { RuntimePlan } from "../runtime/plan.ts";
import { type FetchFunction, systemClock } from "../runtime/ports.ts";
import { getProvider } from "../runtime/providers/registry.ts";
import { readBundleFile } from "../runtime/read-bundle-file.ts";

const usage = `Usage: gw serve [config|bundle.json] [--port 4000] [--host 0.0.0.0] [--log-format text|json] [--data-dir .gw]

  config        gateway.config.ts or .yaml (compiled in memory), or a bundle from \`gw build\` (.json).
                Default: ./gateway.config.ts, then ./gateway.config.yaml.
  --port        port to listen on (default: $PORT, else 4000)
  --host        address to bind (default 0.0.0.0)
  --log-format  text (default) or json: one line per request on stdout
  --data-dir    where the spend database lives (default .gw; the file is <data-dir>/gw.db)
`;

export interface ServeArguments {
  source: string | null;
  port: number;
  host: string;
  logFormat: LogFormat;
  dataDir: string;
}

/** Parse `gw serve` arguments; returns an error message for bad input. */
export function parseServeArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeArguments | string {
  const values = new Map<string, string>();
  let source: string | null = null;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
      if (!["port", "host", "log-format", "data-dir"].includes(name)) return `unknown option --${name}`;
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
  return { source, port, host: values.get("host") ?? "0.0.0.0", logFormat, dataDir: values.get("data-dir") ?? ".gw" };
}

export async function runServe(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  const parsed = parseServeArguments(args, process.env);
  if (typeof parsed === "string") {
    process.stderr.write(`gw serve: ${parsed}\n\n${usage}`);
    return 2;
  }
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

  // Bun-only modules are imported here, so the helpers above stay importable from Node tests.
  const { createSqliteSpendStore } = await import("../runtime/host/bun/sqlite-spend-store.ts");
  const { startBunServer } = await import("../runtime/host/bun/serve.ts");
  const logger = createLogger({ format: parsed.logFormat, batchMs: 20 });
  process.on("exit", () => logger.flush?.());
  const databasePath = join(parsed.dataDir, "gw.db");
  let store;
  try {
    store = createSqliteSpendStore({ path: databasePath, onError: (message) => logger.error(message) });
  } catch (error) {
    process.stderr.write(`gw serve: cannot open the spend database ${databasePath} (${error instanceof Error ? error.message : String(error)}). Check --data-dir.\n`);
    return 1;
  }
  const budgets = createBudgetTracker(plan.budgets, store, systemClock);
  try {
    await budgets.loaded;
  } catch (error) {
    process.stderr.write(`gw serve: cannot read team spend from ${databasePath} (${error instanceof Error ? error.message : String(error)}).\n`);
    return 1;
  }
  // Keys, teams, users and customers created through the admin API (embedded: SQLite beside the
  // spend database, in its own file so admin writes never wait on the spend writer's lock).
  const { createSqliteGovernanceStore } = await import("../runtime/host/bun/sqlite-governance-store.ts");
  const governancePath = join(parsed.dataDir, "governance.db");
  let governance;
  try {
    const governanceStore = createSqliteGovernanceStore({ path: governancePath });
    const configEntities = configEntitiesFromPlan(bundle.policy, plan.keys, new Date(systemClock.now()).toISOString());
    const cache = createGovernanceCache(governanceStore, { configEntities, onError: (message) => logger.error(String(message)) });
    await cache.ready;
    governance = { store: governanceStore, cache, configEntities };
  } catch (error) {
    process.stderr.write(`gw serve: cannot open the governance database ${governancePath} (${error instanceof Error ? error.message : String(error)}). Check --data-dir.\n`);
    await store.close();
    return 1;
  }
  const app = createApp({ plan, store, budgets, logger, fetch: fetchFunction, lookupPrice, governance });

  let server;
  try {
    server = startBunServer({ fetch: app.fetch, store, logger, port: parsed.port, hostname: parsed.host });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const detail = code === "EADDRINUSE" ? `port ${parsed.port} is already in use; pick another with --port` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`gw serve: cannot listen on ${parsed.host}:${parsed.port}: ${detail}\n`);
    await store.close();
    return 1;
  }

  const lines = startBanner(plan, server.url, store.description);
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
