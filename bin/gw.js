#!/usr/bin/env node
// The `gw` command. gw runs on Bun; Bun comes from the `bun` npm package (its binary ships
// inside the package), so no global install is needed. This shim finds that binary and
// hands it the TypeScript CLI, forwarding signals and the exit code.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bunBinary } from "./bun-path.js";

const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const child = spawn(bunBinary(), [cli, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
