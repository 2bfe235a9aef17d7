import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const gw = fileURLToPath(new URL("../../bin/gw.js", import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gw` with exactly the given environment (plus PATH and HOME). */
export function runGw(args: string[], cwd: string, environment: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [gw, ...args],
      { cwd, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", NO_COLOR: "1", ...environment } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
