/**
 * Starts the real `gw serve` process (`node bin/gw.js serve ...`) for end-to-end tests and
 * the benchmark, and writes the temporary configs it serves.
 *
 * Temporary files live under `<repo>/.gw/tmp-test/` (gitignored): a TypeScript config must
 * import "gw-gateway/config", which Bun resolves only from inside the package (the package's
 * self-reference through its `exports`), not from a directory outside the repository.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { GatewayConfig } from "../../compiler/define-config.ts";

export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
const gwBinary = join(repositoryRoot, "bin", "gw.js");
const temporaryRoot = join(repositoryRoot, ".gw", "tmp-test");

export interface ExitResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartGatewayOptions {
  /** Path of the config (.ts/.yaml) or compiled bundle to serve; a relative path is relative to the repository root. */
  config: string;
  /** The process environment, on top of PATH, HOME, TMPDIR and LANG from this process (nothing else is inherited). */
  env?: Record<string, string>;
  /** `--data-dir`; when omitted, a fresh directory under .gw/tmp-test that stop() removes. */
  dataDir?: string;
  /** `--port`; a free port on 127.0.0.1 when omitted. */
  port?: number;
  /** `--log-format`; gw's default when omitted. */
  logFormat?: "text" | "json";
  /** More arguments appended to the command line. */
  extraArgs?: string[];
  /** How long to wait for the server to listen. Default 30 s. */
  startTimeoutMs?: number;
}

export interface GatewayProcess {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** The OpenAI SDK's baseURL: url + "/v1". */
  readonly baseURL: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when the process exits (by itself or through stop()). */
  readonly exited: Promise<ExitResult>;
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`, default 15 s). */
  stop(graceMs?: number): Promise<ExitResult>;
}

/** A new empty directory under `<repo>/.gw/tmp-test/`. */
export function createTestDirectory(prefix: string): string {
  mkdirSync(temporaryRoot, { recursive: true });
  return mkdtempSync(join(temporaryRoot, `${prefix}-`));
}

export function removeTestDirectory(directory: string): void {
  if (!directory.startsWith(temporaryRoot)) throw new Error(`refusing to remove ${directory}: not under ${temporaryRoot}`);
  rmSync(directory, { recursive: true, force: true });
}

/** Replaces every `{ $env: NAME }` (what `env()` returns) by `replace(NAME)`. */
function mapEnvRefs(value: unknown, replace: (name: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapEnvRefs(item, replace));
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === "$env" && typeof record.$env === "string") return replace(record.$env);
    return Object.fromEntries(keys.map((key) => [key, mapEnvRefs(record[key], replace)]));
  }
  return value;
}

/** The config as YAML; env references become `os.environ/NAME`. */
export function toYamlConfig(config: GatewayConfig): string {
  return stringify(mapEnvRefs(config, (name) => `os.environ/${name}`));
}

/** The config as a `gateway.config.ts` module built with defineConfig/env from "gw-gateway/config". */
export function toTypeScriptConfig(config: GatewayConfig): string {
  const marker = "\u0000env:";
  const json = JSON.stringify(mapEnvRefs(config, (name) => `${marker}${name}`), null, 2);
  const body = json.replace(/"\\u0000env:([^"]*)"/g, (_match, name: string) => `env(${JSON.stringify(name)})`);
  return `import { defineConfig, env } from "gw-gateway/config";\n\nexport default defineConfig(${body});\n`;
}

/** Writes `gateway.config.yaml` (or `.ts`) into `directory` and returns its path. */
export function writeConfig(directory: string, config: GatewayConfig, format: "yaml" | "ts" = "yaml"): string {
  const path = join(directory, `gateway.config.${format}`);
  writeFileSync(path, format === "yaml" ? toYamlConfig(config) : toTypeScriptConfig(config));
  return path;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function baseEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "GW_BUN"]) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return { ...environment, ...extra };
}

/** Children still running; ended if the test process exits without stopping them (e.g. a crashed worker). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) killGroup(child);
});

interface SpawnedGateway {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<ExitResult>;
}

function spawnGateway(args: string[], env: Record<string, string> | undefined): SpawnedGateway {
  // detached: its own process group, so a forced stop also ends the Bun child behind the node shim.
  // cwd: a directory of our own, so that a developer's .env (Bun loads ./.env) cannot leak into tests.
  mkdirSync(temporaryRoot, { recursive: true });
  const child = spawn(process.execPath, [gwBinary, ...args], {
    cwd: temporaryRoot,
    env: baseEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  running.add(child);
  const exited = new Promise<ExitResult>((done) => {
    child.on("close", (code, signal) => {
      running.delete(child);
      done({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Runs a gw command that is expected to exit by itself (e.g. a `serve` that must refuse to start).
 * It runs in `<repo>/.gw/tmp-test/`: pass absolute paths.
 */
export async function runGatewayCommand(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExitResult> {
  const spawned = spawnGateway(args, options.env);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((done) => {
    timer = setTimeout(() => done("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([spawned.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    killGroup(spawned.child);
    const result = await spawned.exited;
    throw new Error(`gw ${args.join(" ")} did not exit within ${timeoutMs} ms.\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return outcome;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

async function isLive(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/liveness`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `gw serve <config> --host 127.0.0.1 --port <port> --data-dir <dir>` and resolves once
 * it prints a listening URL with that port and answers `/health/liveness`. Rejects with the
 * collected output when it exits first or does not come up in time.
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayProcess> {
  const port = options.port ?? (await findFreePort());
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? createTestDirectory("data");
  const args = ["serve", resolve(repositoryRoot, options.config), "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir];
  if (options.logFormat) args.push("--log-format", options.logFormat);
  if (options.extraArgs) args.push(...options.extraArgs);
  const spawned = spawnGateway(args, options.env);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let exitedEarly: ExitResult | undefined;
  void spawned.exited.then((result) => (exitedEarly = result));

  const listeningLine = new RegExp(`https?://[^\\s"']*:${port}\\b`);
  while (true) {
    if (exitedEarly) {
      if (ownsDataDir) removeTestDirectory(dataDir);
      throw new Error(
        `gw serve exited before listening (code ${exitedEarly.code}, signal ${exitedEarly.signal}).\nstdout:\n${exitedEarly.stdout}\nstderr:\n${exitedEarly.stderr}`,
      );
    }
    if (listeningLine.test(spawned.stdout() + spawned.stderr()) && (await isLive(url))) break;
    if (Date.now() > deadline) {
      killGroup(spawned.child);
      const result = await spawned.exited;
      if (ownsDataDir) removeTestDirectory(dataDir);
      throw new Error(`gw serve did not print a listening URL for port ${port} and answer /health/liveness in time.\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }

  return {
    url,
    baseURL: `${url}/v1`,
    port,
    dataDir,
    pid: spawned.child.pid ?? -1,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    exited: spawned.exited,
    async stop(graceMs = 15_000) {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((done) => {
        timer = setTimeout(() => {
          killGroup(spawned.child);
          done();
        }, graceMs);
      });
      await Promise.race([spawned.exited, forced]);
      clearTimeout(timer);
      const result = await spawned.exited;
      if (ownsDataDir) removeTestDirectory(dataDir);
      return result;
    },
  };
}
