import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { compileConfig, formatDiagnostics, validateBundle } from "../compiler/index.ts";
import { displayPath } from "../compiler/format-diagnostics.ts";
import { parseArguments, UsageError, useColor, type ParsedArguments } from "./check.ts";

/** `gw build [config] [--out .gw/bundle.json] [--format text|json|github]`: validate, compile, write the bundle. */

export const BUILD_USAGE = "Usage: gw build [config] [--out .gw/bundle.json] [--format text|json|github]\n";
export const DEFAULT_BUNDLE_PATH = ".gw/bundle.json";

export async function runBuild(args: string[]): Promise<number> {
  let parsed: ParsedArguments;
  try {
    parsed = parseArguments(args, ["out"]);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`gw build: ${error.message}\n${BUILD_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(BUILD_USAGE);
    return 0;
  }
  const { bundle, diagnostics } = await compileConfig(parsed.configPath);
  // Diagnostics go to stderr so stdout carries only the result line.
  process.stderr.write(formatDiagnostics(diagnostics, parsed.format, { color: parsed.format === "text" && useColor(process.stderr) }));
  if (bundle === null) return 1;

  const problems = validateBundle(bundle);
  if (problems.length > 0) {
    process.stderr.write(`gw build: internal error, the compiled bundle does not match schemas/bundle.schema.json:\n  ${problems.join("\n  ")}\n`);
    return 1;
  }
  const out = resolve(parsed.options["out"] ?? DEFAULT_BUNDLE_PATH);
  mkdirSync(dirname(out), { recursive: true });
  // Write then rename, so a running `gw serve` never reads half a bundle.
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(bundle, null, 2)}\n`);
  renameSync(temporary, out);
  const models = Object.keys(bundle.routes).length;
  process.stdout.write(
    `bundle written to ${displayPath(out, process.cwd())} (${bundle.hash.slice(0, 19)}…, ${models} ${models === 1 ? "model" : "models"})\n`,
  );
  return 0;
}
