/**
 * gw's benchmark: `npm run bench` (= `node bin/bun.js bench/run.ts`). See bench/README.md.
 *
 * Starts three servers as separate processes on 127.0.0.1 — a minimal upstream speaking OpenAI,
 * Anthropic and Bedrock (bench/upstream.ts), a bare pass-through proxy (bench/pass-through.ts)
 * and the real `gw serve` with bench/gateway.config.yaml — then, for each target (direct
 * upstream, pass-through, and gw's OpenAI, Anthropic and Bedrock routes), measures latency at
 * concurrency 1 and the highest throughput whose p99 stays under 5 ms. Every loop is bounded in
 * requests or time; a watchdog ends the run after 170 s.
 *
 * Options (environment): BENCH_REQUESTS (default 2000, the c=1 sample), BENCH_STEP_MS
 * (default 2000, the duration of each concurrency step), BENCH_MAX_CONCURRENCY (default 64),
 * BENCH_P99_LIMIT_MS (default 5), BENCH_GW_ARGS (more `gw serve` arguments for the gw target), BENCH_TARGETS (default
 * "direct,pass-through,gw,gw-anthropic,gw-bedrock"; also gw-messages, gw-messages-native, gw-responses and
 * gw-responses-native: the Messages and Responses dialects, translated and passed through), BENCH_CONFIG (default
 * bench/gateway.config.yaml: another YAML config to measure, whose deployments' baseUrl are
 * rewritten the same way; it must define the models the selected gw targets send — bench-model,
 * bench-anthropic, bench-bedrock, bench-compatible — and read its secrets from BENCH_UPSTREAM_KEY, BENCH_TEAM_KEY,
 * BENCH_MASTER_KEY, BENCH_AWS_ACCESS_KEY_ID and BENCH_AWS_SECRET_ACCESS_KEY).
 *
 * Optional target gw-pg-redis (named in BENCH_TARGETS, or added by BENCH_PG_REDIS=1): a second
 * gw process on the same config with `--postgres-url` / `--redis-url` (BENCH_POSTGRES_URL,
 * default postgres://root@127.0.0.1:5432/test; BENCH_REDIS_URL, default redis://127.0.0.1:6379),
 * in its own schema `gw_bench_<pid>` and Redis prefix `gw:bench:<pid>:`, both removed at the end.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import postgres from "postgres";
import { Redis } from "ioredis";
import type { Subprocess } from "bun";

const root = fileURLToPath(new URL("../", import.meta.url));
const workDirectory = join(root, ".gw", "bench");
/** Each run has its own directory, so that two runs at once do not share a config or a log. */
const runDirectory = join(workDirectory, `run-${Date.now()}-${process.pid}`);
const sampleRequests = Number(process.env.BENCH_REQUESTS ?? 2000);
const warmupRequests = 500;
const stepMs = Number(process.env.BENCH_STEP_MS ?? 2000);
const maxConcurrency = Number(process.env.BENCH_MAX_CONCURRENCY ?? 64);
const p99LimitMs = Number(process.env.BENCH_P99_LIMIT_MS ?? 5);
const watchdogMs = 170_000;
const selectedTargets = new Set(
  (process.env.BENCH_TARGETS ?? "direct,pass-through,gw,gw-anthropic,gw-bedrock").split(",").map((name) => name.trim()),
);
if (process.env.BENCH_PG_REDIS === "1") selectedTargets.add("gw-pg-redis");

/** gw's targets: one process, one public model per upstream wire format (see bench/gateway.config.yaml). */
const gatewayModels: Record<string, string> = {
  gw: "bench-model",
  "gw-anthropic": "bench-anthropic",
  "gw-bedrock": "bench-bedrock",
  // The other dialects: Messages translated to the OpenAI upstream and passed through to the Anthropic one;
  // Responses translated onto an OpenAI-compatible server's chat, and passed through to OpenAI's Responses API.
  "gw-messages": "bench-model",
  "gw-messages-native": "bench-anthropic",
  "gw-responses": "bench-compatible",
  "gw-responses-native": "bench-model",
};

/** The path and body of each gw target's dialect (chat unless named here). */
const dialectRequests: Record<string, { path: string; body: (model: string) => string }> = {
  "gw-messages": { path: "/v1/messages", body: messagesBody },
  "gw-messages-native": { path: "/v1/messages", body: messagesBody },
  "gw-responses": { path: "/v1/responses", body: responsesBody },
  "gw-responses-native": { path: "/v1/responses", body: responsesBody },
};
/** The translated routes, reported relative to gw's OpenAI route. */
const translatedTargets = ["gw-anthropic", "gw-bedrock"];

/**
 * The optional second gw process, identical to the first but keeping its spend ledger and keys in
 * Postgres and its rate limits and budget reservations in Redis; measured on the OpenAI route, like gw.
 * Schema and prefix carry this run's pid, so that they are this run's alone and can be removed whole.
 */
const pgRedisTarget = "gw-pg-redis";
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
const postgresSchema = `gw_bench_${process.pid}`;
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const redisPrefix = `gw:bench:${process.pid}:`;

const teamKey = "gw-bench-team-key";
const masterKey = "sk-gw-bench-master-key";
/**
 * The managed key every gw target sends, created through each gw process's admin API in
 * bench-team, with limits high enough never to refuse: its rate limits and budget are checked and
 * reserved on every request (in process for gw, in Redis for gw-pg-redis).
 */
const managedKeyLimits = { rpm_limit: 1_000_000_000, tpm_limit: 1_000_000_000_000, max_budget: 1_000_000_000, budget_duration: "1d" };
/** Fake secrets, only ever sent to the mock upstream (which checks none of them). */
const gatewaySecrets = {
  BENCH_UPSTREAM_KEY: "sk-bench-upstream",
  BENCH_TEAM_KEY: teamKey,
  BENCH_MASTER_KEY: masterKey,
  BENCH_AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  BENCH_AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

/** The same realistic non-streaming request for every target; only `model` differs between gw's routes. */
function requestBody(model: string): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Invent a new holiday and describe its traditions." },
    ],
    max_tokens: 400,
    temperature: 0.7,
  });
}

/** The chat request's content as an Anthropic Messages body. */
function messagesBody(model: string): string {
  return JSON.stringify({
    model,
    system: "You are a helpful assistant.",
    messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }],
    max_tokens: 400,
    temperature: 0.7,
  });
}

/** The chat request's content as an OpenAI Responses body. */
function responsesBody(model: string): string {
  return JSON.stringify({ model, instructions: "You are a helpful assistant.", input: "Invent a new holiday and describe its traditions.", max_output_tokens: 400, temperature: 0.7 });
}

/** The path each provider's baseUrl has on the mock upstream: OpenAI's API root is /v1, Anthropic and Bedrock add their own paths. */
const baseUrlPath: Record<string, string> = { anthropic: "", bedrock: "" };

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The process that answers this target's requests (upstream, pass-through or gw), whose CPU time is measured. */
  serverPid: number;
}

interface Sample {
  latencies: number[];
  elapsedMs: number;
  errors: number;
  firstError: string | null;
}

interface Step {
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface TargetResult {
  name: string;
  p50: number;
  p99: number;
  best: Step | null;
  steps: Step[];
  /** CPU time (user + system, all threads) of the target's server process per measured request; null where /proc is unavailable. */
  serverCpuUsPerRequest: number | null;
}

const children: Subprocess[] = [];

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}
const clockTicks = clockTicksPerSecond();

/**
 * CPU time used so far by process `pid`, all threads, in ms (utime + stime of /proc/<pid>/stat);
 * NaN where /proc is not available. Resolution is one clock tick (10 ms): sums over whole runs only.
 */
function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Starts a Bun script that prints `listening URL` and resolves with that URL and the process id. */
async function startScript(script: string, env: Record<string, string>): Promise<{ url: string; pid: number }> {
  const child = Bun.spawn([process.execPath, join(root, "bench", script)], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  children.push(child);
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const match = /listening (http:\/\/\S+)/.exec(text);
    if (match?.[1]) {
      reader.releaseLock();
      return { url: match[1].replace(/\/$/, ""), pid: child.pid };
    }
  }
  throw new Error(`bench/${script} did not start: ${text}`);
}

async function waitForLiveness(url: string, child: Subprocess, logPath: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gw serve exited with code ${child.exitCode}:\n${readFileSync(logPath, "utf8")}`);
    try {
      const response = await fetch(`${url}/health/liveness`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`gw serve did not answer /health/liveness within 30 s:\n${readFileSync(logPath, "utf8")}`);
}

/** Writes the run directory's copy of the bench config, every deployment pointed at the mock upstream; returns its path. */
function writeGatewayConfig(upstreamUrl: string): string {
  const templatePath = process.env.BENCH_CONFIG ?? join(root, "bench", "gateway.config.yaml");
  const template = parse(readFileSync(templatePath, "utf8")) as {
    models: Array<{ deployments: Array<{ provider?: string; baseUrl: string }> }>;
  };
  for (const model of template.models) {
    for (const deployment of model.deployments) deployment.baseUrl = upstreamUrl + (baseUrlPath[deployment.provider ?? "openai"] ?? "/v1");
  }
  const configPath = join(runDirectory, "gateway.config.yaml");
  writeFileSync(configPath, stringify(template));
  return configPath;
}

interface Gateway {
  url: string;
  logPath: string;
  pid: number;
  /** The managed key created through this process's admin API (see managedKeyLimits). */
  key: string;
}

/**
 * Starts `gw serve` on the config with its own data directory and log (`<name>.log`), plus
 * `extraArguments`, then creates the managed key the targets send through its admin API.
 */
async function startGateway(configPath: string, name: string, extraArguments: string[]): Promise<Gateway> {
  const dataDirectory = join(runDirectory, name === "gw" ? "data" : `data-${name}`);
  const logPath = join(runDirectory, `${name}.log`);
  const log = openSync(logPath, "w");
  const port = await findFreePort();
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "cli", "main.ts"),
      "serve",
      configPath,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--data-dir",
      dataDirectory,
      "--log-format",
      "json",
      ...extraArguments,
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...gatewaySecrets },
      stdout: log,
      stderr: log,
    },
  );
  children.push(child);
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  await waitForLiveness(url, child, logPath);
  return { url, logPath, pid: child.pid, key: await createManagedKey(url, name) };
}

/** POST /key/generate with the master key: a key in bench-team with managedKeyLimits; returns the key itself. */
async function createManagedKey(gatewayUrl: string, name: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/key/generate`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
    body: JSON.stringify({ key_alias: `bench-${name}`, team_id: "bench-team", ...managedKeyLimits }),
  });
  const text = await response.text();
  let key: unknown;
  try {
    key = (JSON.parse(text) as { key?: unknown }).key;
  } catch {
    key = undefined;
  }
  if (response.status !== 200 || typeof key !== "string") {
    throw new Error(`${name}: POST /key/generate answered HTTP ${response.status}: ${text.slice(0, 300)} (does the config set masterKey: os.environ/BENCH_MASTER_KEY?)`);
  }
  return key;
}

/** Whether this run created gw-pg-redis's schema and Redis keys, which cleanUpPostgresAndRedis removes. */
let usedPostgresAndRedis = false;

/**
 * Drops this run's Postgres schema and deletes the Redis keys under this run's prefix (SCAN +
 * DEL on that prefix only; nothing else in the database is touched). Runs after gw has stopped.
 */
async function cleanUpPostgresAndRedis(): Promise<void> {
  if (!usedPostgresAndRedis) return;
  usedPostgresAndRedis = false;
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let schemaDropped = false;
  try {
    // gw has stopped and flushed its spend store: the ledger should hold one row per answered request.
    const rows = await sql<Array<{ count: string }>>`SELECT count(*)::text AS count FROM ${sql(postgresSchema)}.spend_ledger`.catch(() => null);
    if (rows?.[0]) process.stdout.write(`${pgRedisTarget}: ${rows[0].count} rows in the Postgres spend ledger\n`);
    await sql`DROP SCHEMA IF EXISTS ${sql(postgresSchema)} CASCADE`;
    schemaDropped = true;
  } catch (error) {
    process.stderr.write(`bench: could not drop the Postgres schema ${postgresSchema}: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    await redis.connect();
    let cursor = "0";
    let deleted = 0;
    // The prefix holds only letters, digits and ":", so it is a literal in a MATCH pattern.
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 1000);
      cursor = next;
      const ours = keys.filter((key) => key.startsWith(redisPrefix));
      if (ours.length > 0) deleted += await redis.del(...ours);
    } while (cursor !== "0");
    process.stdout.write(
      `cleaned up: ${schemaDropped ? `Postgres schema ${postgresSchema} dropped` : "(Postgres schema not dropped, see above)"}, ${deleted} Redis key(s) under ${redisPrefix} deleted\n`,
    );
  } catch (error) {
    process.stderr.write(`bench: could not delete the Redis keys under ${redisPrefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    redis.disconnect();
  }
}

/** `concurrency` workers send requests back to back until `count` are done or `durationMs` has passed. */
async function load(target: Target, concurrency: number, limit: { count?: number; durationMs?: number }): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let issued = 0;
  const started = performance.now();
  const deadline = limit.durationMs === undefined ? Infinity : started + limit.durationMs;
  const count = limit.count ?? Infinity;

  const worker = async (): Promise<void> => {
    while (issued < count && performance.now() < deadline) {
      issued++;
      const begin = performance.now();
      try {
        const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
        const text = await response.text();
        if (response.status !== 200) {
          errors++;
          firstError ??= `HTTP ${response.status}: ${text.slice(0, 300)}`;
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, elapsedMs: performance.now() - started, errors, firstError };
}

/** The answer's text in any of the measured dialects: a chat completion, a Message, a Response; null when it has none. */
function answerText(answer: Record<string, unknown>): string | null {
  const choices = answer.choices as Array<{ message?: { content?: unknown } }> | undefined;
  if (answer.object === "chat.completion") return typeof choices?.[0]?.message?.content === "string" ? (choices[0].message.content as string) : null;
  if (answer.type === "message" && Array.isArray(answer.content)) {
    return (answer.content as Array<{ type?: unknown; text?: unknown }>).map((block) => (block.type === "text" && typeof block.text === "string" ? block.text : "")).join("") || null;
  }
  if (answer.object === "response" && Array.isArray(answer.output)) {
    const parts = (answer.output as Array<{ type?: unknown; content?: Array<{ type?: unknown; text?: unknown }> }>).flatMap((item) => (item.type === "message" ? (item.content ?? []) : []));
    return parts.map((part) => (part.type === "output_text" && typeof part.text === "string" ? part.text : "")).join("") || null;
  }
  return null;
}

/** Sends one request and returns the answer's text; throws unless it is a 200 answer with text in the target's dialect. */
async function probeAnswer(target: Target): Promise<{ answer: string; bytes: number }> {
  const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${target.name}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  let completion: Record<string, unknown>;
  try {
    completion = JSON.parse(text) as typeof completion;
  } catch {
    throw new Error(`${target.name}: the answer is not JSON: ${text.slice(0, 300)}`);
  }
  const answer = answerText(completion);
  if (answer === null) {
    throw new Error(`${target.name}: the answer is not a chat completion, Message or Response with text: ${text.slice(0, 300)}`);
  }
  return { answer, bytes: new TextEncoder().encode(text).length };
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

function summarize(sample: Sample): { p50: number; p99: number; rps: number } {
  const sorted = Float64Array.from(sample.latencies).sort();
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), rps: (sample.latencies.length / sample.elapsedMs) * 1000 };
}

/** Rounds the c=1 sample is split into, alternating targets, so that a noisy moment hits all targets alike. */
const latencyRounds = 4;

/**
 * Measures every target, interleaved: the c=1 sample in alternating rounds, then each
 * concurrency level for each target in turn, so that the rows of the table saw the same machine.
 */
async function measureAll(targets: Target[]): Promise<TargetResult[]> {
  let expectedAnswer: string | null = null;
  for (const target of targets) {
    const probe = await probeAnswer(target);
    // The upstream gives every wire format the same text: a route that answers anything else is not translating.
    expectedAnswer ??= probe.answer;
    if (probe.answer !== expectedAnswer) throw new Error(`${target.name}: the answer differs from ${targets[0]!.name}'s: ${probe.answer.slice(0, 200)}`);
    process.stdout.write(`warming up ${target.name} (${target.url}, ${probe.bytes} B answers)\n`);
    const warmup = await load(target, 4, { count: warmupRequests });
    if (warmup.errors > 0) throw new Error(`${target.name}: ${warmup.errors} of ${warmupRequests} warm-up requests failed; first: ${warmup.firstError}`);
  }

  // The server's CPU time over every measured request of a target (warm-up excluded). Targets
  // take turns, so each interval is one target's; gw's deferred work (batched log writes, the
  // spend store's worker) may land in the next interval, which is gw's too unless it is the last.
  const cpu = new Map<string, { ms: number; requests: number }>(targets.map((target) => [target.name, { ms: 0, requests: 0 }]));
  const measure = async (target: Target, concurrency: number, limit: { count?: number; durationMs?: number }): Promise<Sample> => {
    const before = readCpuMs(target.serverPid);
    const sample = await load(target, concurrency, limit);
    const account = cpu.get(target.name)!;
    account.ms += readCpuMs(target.serverPid) - before;
    account.requests += sample.latencies.length;
    return sample;
  };

  const latencies = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < latencyRounds; round++) {
    for (const target of targets) {
      const sample = await measure(target, 1, { count: Math.ceil(sampleRequests / latencyRounds) });
      if (sample.errors > 0) throw new Error(`${target.name}: ${sample.errors} requests failed at c=1; first: ${sample.firstError}`);
      latencies.get(target.name)!.push(...sample.latencies);
    }
  }
  const results: TargetResult[] = targets.map((target) => {
    const all = latencies.get(target.name)!;
    const { p50, p99 } = summarize({ latencies: all, elapsedMs: 1, errors: 0, firstError: null });
    process.stdout.write(`  ${target.name}: c=1 p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (${all.length} requests)\n`);
    return { name: target.name, p50, p99, best: null, steps: [], serverCpuUsPerRequest: null };
  });

  const overLimit = new Map<string, number>(targets.map((target) => [target.name, 0]));
  for (let concurrency = 1; concurrency <= maxConcurrency; concurrency *= 2) {
    for (const [index, target] of targets.entries()) {
      const result = results[index]!;
      // Two steps far over the bound mean more concurrency is hopeless; one noisy step does not end the search.
      if (overLimit.get(target.name)! >= 2) continue;
      const sample = await measure(target, concurrency, { durationMs: stepMs });
      const summary = summarize(sample);
      const step: Step = { concurrency, rps: summary.rps, p50: summary.p50, p99: summary.p99, errors: sample.errors };
      result.steps.push(step);
      process.stdout.write(
        `  ${target.name}: c=${concurrency} ${summary.rps.toFixed(0)} req/s, p50 ${summary.p50.toFixed(3)} ms, p99 ${summary.p99.toFixed(3)} ms` +
          (sample.errors > 0 ? `, ${sample.errors} errors (${sample.firstError})` : "") +
          "\n",
      );
      if (summary.p99 < p99LimitMs && sample.errors === 0 && (result.best === null || step.rps > result.best.rps)) result.best = step;
      overLimit.set(target.name, summary.p99 > 4 * p99LimitMs ? overLimit.get(target.name)! + 1 : 0);
    }
  }
  for (const result of results) {
    const account = cpu.get(result.name)!;
    result.serverCpuUsPerRequest = Number.isFinite(account.ms) && account.requests > 0 ? (account.ms * 1000) / account.requests : null;
  }
  return results;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** One target's cost over another: added c=1 latency and the share of the baseline's best bounded throughput it reaches. */
interface Comparison {
  target: string;
  baseline: string;
  addedP50Ms: number;
  addedP99Ms: number;
  /** target's best rps / baseline's best rps; null when either found no step under the p99 bound. */
  throughputRatio: number | null;
  /** target's server CPU per request minus the baseline's, in µs; null where not measured. */
  addedCpuUsPerRequest: number | null;
}

/** gw over direct and over the pass-through; each translated route over gw's OpenAI route. Pairs whose targets were not run are left out. */
function compare(results: TargetResult[]): Comparison[] {
  const pairs: Array<[string, string]> = [
    ["gw", "direct"],
    ["gw", "pass-through"],
    ...translatedTargets.map((name): [string, string] => [name, "gw"]),
    [pgRedisTarget, "gw"],
  ];
  const comparisons: Comparison[] = [];
  for (const [targetName, baselineName] of pairs) {
    const target = results.find((result) => result.name === targetName);
    const baseline = results.find((result) => result.name === baselineName);
    if (!target || !baseline) continue;
    comparisons.push({
      target: targetName,
      baseline: baselineName,
      addedP50Ms: target.p50 - baseline.p50,
      addedP99Ms: target.p99 - baseline.p99,
      throughputRatio: target.best && baseline.best ? target.best.rps / baseline.best.rps : null,
      addedCpuUsPerRequest:
        target.serverCpuUsPerRequest !== null && baseline.serverCpuUsPerRequest !== null
          ? target.serverCpuUsPerRequest - baseline.serverCpuUsPerRequest
          : null,
    });
  }
  return comparisons;
}

function signedMs(value: number): string {
  const rounded = value.toFixed(3);
  return `${rounded.startsWith("-") && Number(rounded) !== 0 ? "" : "+"}${Number(rounded) === 0 ? "0.000" : rounded} ms`;
}

function report(results: TargetResult[], comparisons: Comparison[]): void {
  const rows = [["target", "p50 c=1 (ms)", "p99 c=1 (ms)", `max req/s, p99 < ${p99LimitMs} ms`, "at concurrency", "server CPU/request (µs)"]];
  for (const result of results) {
    rows.push([
      result.name,
      result.p50.toFixed(3),
      result.p99.toFixed(3),
      result.best ? result.best.rps.toFixed(0) : "none",
      result.best ? String(result.best.concurrency) : "-",
      result.serverCpuUsPerRequest === null ? "n/a" : result.serverCpuUsPerRequest.toFixed(0),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)) + 2);
  process.stdout.write("\n");
  for (const row of rows) process.stdout.write(row.map((cell, column) => pad(cell, widths[column]!)).join("") + "\n");

  process.stdout.write("\n");
  for (const comparison of comparisons) {
    const latency = `${signedMs(comparison.addedP50Ms)} p50, ${signedMs(comparison.addedP99Ms)} p99`;
    const ratio = comparison.throughputRatio === null ? "n/a (no step under the p99 bound)" : `${(comparison.throughputRatio * 100).toFixed(0)}%`;
    const addedCpu =
      comparison.addedCpuUsPerRequest === null ? "" : `; server CPU per request ${comparison.addedCpuUsPerRequest >= 0 ? "+" : ""}${comparison.addedCpuUsPerRequest.toFixed(0)} µs`;
    if (comparison.target === "gw" && comparison.baseline === "direct") {
      process.stdout.write(`gw overhead over direct at c=1: ${latency}\n`);
    } else if (comparison.target === "gw") {
      process.stdout.write(`gw overhead over ${comparison.baseline} at c=1: ${latency}${addedCpu}\n`);
      process.stdout.write(`gw throughput / ${comparison.baseline} throughput: ${ratio}\n`);
    } else if (comparison.target === pgRedisTarget) {
      process.stdout.write(
        `${pgRedisTarget} overhead over gw (embedded SQLite, in-process limits) at c=1: ${latency}; throughput ${pgRedisTarget} / gw: ${ratio}${addedCpu} (gw's CPU only; Postgres and Redis not counted)\n`,
      );
    } else {
      process.stdout.write(
        `${comparison.target} overhead over gw's OpenAI route at c=1: ${latency}; throughput ${comparison.target} / gw: ${ratio}${addedCpu}\n`,
      );
    }
  }
}

async function stopChildren(): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.race([Promise.all(children.map((child) => child.exited)), Bun.sleep(10_000)]);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** Removes run directories older than an hour (a run takes a few minutes; newer ones may be running). */
function removeOldRuns(): void {
  for (const name of readdirSync(workDirectory)) {
    const path = join(workDirectory, name);
    if (name.startsWith("run-") && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  mkdirSync(runDirectory, { recursive: true });
  removeOldRuns();
  const loadAverage = loadavg().map((value) => value.toFixed(2)).join(" ");
  process.stdout.write(`gw benchmark: ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, load average ${loadAverage} (anything above 0 is noise)\nstarting servers...\n`);
  const upstream = await startScript("upstream.ts", {});
  const upstreamUrl = upstream.url;
  const passThrough = await startScript("pass-through.ts", { UPSTREAM_URL: `${upstreamUrl}/v1` });
  const gatewayTargets = Object.keys(gatewayModels).filter((name) => selectedTargets.has(name));
  const withPgRedis = selectedTargets.has(pgRedisTarget);
  const configPath = gatewayTargets.length > 0 || withPgRedis ? writeGatewayConfig(upstreamUrl) : null;
  // BENCH_GW_ARGS: more `gw serve` arguments for the gw target, e.g. "--max-connections 1000".
  const gatewayArguments = (process.env.BENCH_GW_ARGS ?? "").split(" ").filter((argument) => argument !== "");
  const gateway = configPath !== null && gatewayTargets.length > 0 ? await startGateway(configPath, "gw", gatewayArguments) : null;
  let pgRedisGateway: Gateway | null = null;
  if (configPath !== null && withPgRedis) {
    usedPostgresAndRedis = true;
    pgRedisGateway = await startGateway(configPath, pgRedisTarget, [
      "--postgres-url",
      postgresUrl,
      "--postgres-schema",
      postgresSchema,
      "--redis-url",
      redisUrl,
      "--redis-prefix",
      redisPrefix,
    ]);
  }

  const json = { "content-type": "application/json" };
  const openaiBody = requestBody("bench-model");
  const targets: Target[] = [
    {
      name: "direct",
      url: `${upstreamUrl}/v1/chat/completions`,
      headers: { ...json, authorization: "Bearer direct" },
      body: openaiBody,
      serverPid: upstream.pid,
    },
    { name: "pass-through", url: `${passThrough.url}/v1/chat/completions`, headers: json, body: openaiBody, serverPid: passThrough.pid },
  ];
  if (gateway) {
    for (const name of gatewayTargets) {
      const dialect = dialectRequests[name];
      targets.push({
        name,
        url: `${gateway.url}${dialect?.path ?? "/v1/chat/completions"}`,
        headers: { ...json, authorization: `Bearer ${gateway.key}` },
        body: (dialect?.body ?? requestBody)(gatewayModels[name]!),
        serverPid: gateway.pid,
      });
    }
  }
  if (pgRedisGateway) {
    targets.push({
      name: pgRedisTarget,
      url: `${pgRedisGateway.url}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${pgRedisGateway.key}` },
      body: openaiBody,
      serverPid: pgRedisGateway.pid,
    });
  }

  const measured = targets.filter((entry) => selectedTargets.has(entry.name));
  const plannedSteps = measured.length * Math.floor(Math.log2(maxConcurrency) + 1);
  process.stdout.write(
    `targets: ${measured.map((target) => target.name).join(", ")}; at most ${plannedSteps} steps of ${stepMs / 1000} s (about ${Math.ceil((plannedSteps * stepMs) / 1000)} s) after the c=1 sample; watchdog ${watchdogMs / 1000} s\n`,
  );
  const results = await measureAll(measured);
  const comparisons = compare(results);
  report(results, comparisons);
  const loadAverageAfter = loadavg().map((value) => value.toFixed(2)).join(" ");
  process.stdout.write(`load average at the end: ${loadAverageAfter}\n`);
  const resultsText = JSON.stringify(
    { date: new Date().toISOString(), bun: Bun.version, loadAverage, loadAverageAfter, stepMs, results, comparisons },
    null,
    2,
  );
  writeFileSync(join(runDirectory, "results.json"), resultsText);
  writeFileSync(join(workDirectory, "results.json"), resultsText);
  const logs = [gateway, pgRedisGateway].flatMap((entry) => (entry ? [entry.logPath] : []));
  process.stdout.write(`\n${logs.length > 0 ? `gw's request log: ${logs.join(", ")}; ` : ""}results: ${join(runDirectory, "results.json")}\n`);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: stopped by the ${watchdogMs / 1000} s watchdog\n`);
  void stopChildren()
    .then(() => Promise.race([cleanUpPostgresAndRedis(), Bun.sleep(15_000)]))
    .finally(() => process.exit(1));
}, watchdogMs);

let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await stopChildren();
  await cleanUpPostgresAndRedis();
}
process.exit(exitCode);
