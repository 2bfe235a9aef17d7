/**
 * gw's benchmark: `npm run bench` (= `node bin/bun.js bench/run.ts`). See bench/README.md.
 *
 * Starts three servers as separate processes on 127.0.0.1 — a minimal OpenAI upstream
 * (bench/upstream.ts), a bare pass-through proxy (bench/pass-through.ts) and the real
 * `gw serve` with bench/gateway.config.yaml — then, for each of direct upstream, pass-through
 * and gw, measures latency at concurrency 1 and the highest throughput whose p99 stays under
 * 5 ms. Every loop is bounded in requests or time; a watchdog ends the run after 170 s.
 *
 * Options (environment): BENCH_REQUESTS (default 2000, the c=1 sample), BENCH_STEP_MS
 * (default 3000, the duration of each concurrency step), BENCH_MAX_CONCURRENCY (default 64),
 * BENCH_P99_LIMIT_MS (default 5), BENCH_TARGETS (default "direct,pass-through,gw"), BENCH_CONFIG
 * (default bench/gateway.config.yaml: another YAML config to measure, whose deployments' baseUrl
 * are rewritten the same way; its key env vars must be BENCH_UPSTREAM_KEY and BENCH_TEAM_KEY).
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import type { Subprocess } from "bun";

const root = fileURLToPath(new URL("../", import.meta.url));
const workDirectory = join(root, ".gw", "bench");
/** Each run has its own directory, so that two runs at once do not share a config or a log. */
const runDirectory = join(workDirectory, `run-${Date.now()}-${process.pid}`);
const sampleRequests = Number(process.env.BENCH_REQUESTS ?? 2000);
const warmupRequests = 500;
const stepMs = Number(process.env.BENCH_STEP_MS ?? 3000);
const maxConcurrency = Number(process.env.BENCH_MAX_CONCURRENCY ?? 64);
const p99LimitMs = Number(process.env.BENCH_P99_LIMIT_MS ?? 5);
const watchdogMs = 170_000;
const selectedTargets = new Set((process.env.BENCH_TARGETS ?? "direct,pass-through,gw").split(",").map((name) => name.trim()));

const teamKey = "gw-bench-team-key";
const requestBody = JSON.stringify({
  model: "bench-model",
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Invent a new holiday and describe its traditions." },
  ],
  max_tokens: 400,
  temperature: 0.7,
});

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
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

/** Starts a Bun script that prints `listening URL` and resolves with that URL. */
async function startScript(script: string, env: Record<string, string>): Promise<string> {
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
      return match[1].replace(/\/$/, "");
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

/** Writes the bench config with both deployments pointed at the mock upstream, then starts gw on it. */
async function startGateway(upstreamUrl: string): Promise<{ url: string; logPath: string }> {
  const templatePath = process.env.BENCH_CONFIG ?? join(root, "bench", "gateway.config.yaml");
  const template = parse(readFileSync(templatePath, "utf8")) as {
    models: Array<{ deployments: Array<{ baseUrl: string }> }>;
  };
  for (const model of template.models) for (const deployment of model.deployments) deployment.baseUrl = `${upstreamUrl}/v1`;
  const configPath = join(runDirectory, "gateway.config.yaml");
  writeFileSync(configPath, stringify(template));
  const dataDirectory = join(runDirectory, "data");
  const logPath = join(runDirectory, "gw.log");
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
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", BENCH_UPSTREAM_KEY: "sk-bench-upstream", BENCH_TEAM_KEY: teamKey },
      stdout: log,
      stderr: log,
    },
  );
  children.push(child);
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  await waitForLiveness(url, child, logPath);
  return { url, logPath };
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
        const response = await fetch(target.url, { method: "POST", headers: target.headers, body: requestBody });
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
  for (const target of targets) {
    process.stdout.write(`warming up ${target.name} (${target.url})\n`);
    const warmup = await load(target, 4, { count: warmupRequests });
    if (warmup.errors > 0) throw new Error(`${target.name}: ${warmup.errors} of ${warmupRequests} warm-up requests failed; first: ${warmup.firstError}`);
  }

  const latencies = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < latencyRounds; round++) {
    for (const target of targets) {
      const sample = await load(target, 1, { count: Math.ceil(sampleRequests / latencyRounds) });
      if (sample.errors > 0) throw new Error(`${target.name}: ${sample.errors} requests failed at c=1; first: ${sample.firstError}`);
      latencies.get(target.name)!.push(...sample.latencies);
    }
  }
  const results: TargetResult[] = targets.map((target) => {
    const all = latencies.get(target.name)!;
    const { p50, p99 } = summarize({ latencies: all, elapsedMs: 1, errors: 0, firstError: null });
    process.stdout.write(`  ${target.name}: c=1 p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (${all.length} requests)\n`);
    return { name: target.name, p50, p99, best: null, steps: [] };
  });

  const overLimit = new Map<string, number>(targets.map((target) => [target.name, 0]));
  for (let concurrency = 1; concurrency <= maxConcurrency; concurrency *= 2) {
    for (const [index, target] of targets.entries()) {
      const result = results[index]!;
      // Two steps far over the bound mean more concurrency is hopeless; one noisy step does not end the search.
      if (overLimit.get(target.name)! >= 2) continue;
      const sample = await load(target, concurrency, { durationMs: stepMs });
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
  return results;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function report(results: TargetResult[]): void {
  const rows = [["target", "p50 c=1 (ms)", "p99 c=1 (ms)", `max req/s, p99 < ${p99LimitMs} ms`, "at concurrency"]];
  for (const result of results) {
    rows.push([
      result.name,
      result.p50.toFixed(3),
      result.p99.toFixed(3),
      result.best ? result.best.rps.toFixed(0) : "none",
      result.best ? String(result.best.concurrency) : "-",
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)) + 2);
  process.stdout.write("\n");
  for (const row of rows) process.stdout.write(row.map((cell, column) => pad(cell, widths[column]!)).join("") + "\n");

  const direct = results.find((result) => result.name === "direct");
  const passThrough = results.find((result) => result.name === "pass-through");
  const gateway = results.find((result) => result.name === "gw");
  if (direct && gateway) {
    process.stdout.write(
      `\ngw overhead over direct at c=1: +${(gateway.p50 - direct.p50).toFixed(3)} ms p50, +${(gateway.p99 - direct.p99).toFixed(3)} ms p99\n`,
    );
  }
  if (passThrough && gateway) {
    process.stdout.write(
      `gw overhead over pass-through at c=1: +${(gateway.p50 - passThrough.p50).toFixed(3)} ms p50, +${(gateway.p99 - passThrough.p99).toFixed(3)} ms p99\n`,
    );
    if (passThrough.best && gateway.best) {
      process.stdout.write(`gw throughput / pass-through throughput: ${((gateway.best.rps / passThrough.best.rps) * 100).toFixed(0)}%\n`);
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
  const upstreamUrl = await startScript("upstream.ts", {});
  const passThroughUrl = await startScript("pass-through.ts", { UPSTREAM_URL: `${upstreamUrl}/v1` });
  const gateway = selectedTargets.has("gw") ? await startGateway(upstreamUrl) : null;

  const json = { "content-type": "application/json" };
  const targets: Target[] = [
    { name: "direct", url: `${upstreamUrl}/v1/chat/completions`, headers: { ...json, authorization: "Bearer direct" } },
    { name: "pass-through", url: `${passThroughUrl}/v1/chat/completions`, headers: json },
  ];
  if (gateway) targets.push({ name: "gw", url: `${gateway.url}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${teamKey}` } });

  const results = await measureAll(targets.filter((entry) => selectedTargets.has(entry.name)));
  report(results);
  const resultsText = JSON.stringify({ date: new Date().toISOString(), bun: Bun.version, results }, null, 2);
  writeFileSync(join(runDirectory, "results.json"), resultsText);
  writeFileSync(join(workDirectory, "results.json"), resultsText);
  process.stdout.write(`\n${gateway ? `gw's request log: ${gateway.logPath}; ` : ""}results: ${join(runDirectory, "results.json")}\n`);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: stopped by the ${watchdogMs / 1000} s watchdog\n`);
  void stopChildren().finally(() => process.exit(1));
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
}
process.exit(exitCode);
