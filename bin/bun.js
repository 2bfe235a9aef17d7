#!/usr/bin/env node
// Runs a script under the Bun binary from node_modules: `node bin/bun.js file.ts [args]`.
import { spawn } from "node:child_process";
import { bunBinary } from "./bun-path.js";

const child = spawn(bunBinary(), process.argv.slice(2), { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
