/**
 * The official Python SDKs for end-to-end tests: a virtual environment at .gw/py with
 * test/python/requirements.txt installed (from the package registry), made on first use and
 * remade when the requirements change, so a fresh clone needs nothing installed by hand.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const venv = `${root}.gw/py`;
const requirements = `${root}test/python/requirements.txt`;
const python = `${venv}/bin/python`;

/** The venv's python, with the SDKs installed. Slow the first time (a pip install). */
export function pythonWithSdks(): string {
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  const marker = `${venv}/.requirements-sha256`;
  const ready = (): boolean => existsSync(python) && existsSync(marker) && readFileSync(marker, "utf8") === wanted;
  if (ready()) return python;
  // Test files run in parallel workers: one makes the venv (holding a lock directory), the others wait for it.
  const lock = `${root}.gw/py.lock`;
  mkdirSync(`${root}.gw`, { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return python;
      if (Date.now() > deadline) throw new Error(`${lock} held for 5 minutes: remove it if no test run is making the venv`);
      execFileSync("sleep", ["0.5"]);
    }
  }
  try {
    if (ready()) return python;
    execFileSync("python3", ["-m", "venv", "--clear", venv], { stdio: "inherit" });
    execFileSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements], { stdio: "inherit", timeout: 300_000 });
    writeFileSync(marker, wanted);
    return python;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Run a script of test/python/ with `args` (asynchronously: the fake upstreams answer from this process); its stdout parsed as JSON. */
export async function runPython(script: string, args: readonly string[]): Promise<unknown> {
  const { stdout } = await execFileAsync(pythonWithSdks(), [`${root}test/python/${script}`, ...args], { encoding: "utf8", timeout: 120_000 });
  return JSON.parse(stdout) as unknown;
}
