import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkConfig, formatDiagnostics } from "../compiler/index.ts";
import { displayPath } from "../compiler/format-diagnostics.ts";
import { importLitellmConfig, type ImportFormat } from "../compiler/litellm-import.ts";
import { useColor } from "./check.ts";

/** `gw import litellm-config.yaml [--out gateway.config.ts] [--format ts|yaml] [--force]`: write gw's config for a LiteLLM one. */

export const IMPORT_USAGE = "Usage: gw import litellm-config.yaml [--out gateway.config.ts] [--format ts|yaml] [--force]\n";

export async function runImport(args: string[]): Promise<number> {
  let source: string | undefined;
  let out: string | undefined;
  let format: ImportFormat | undefined;
  let force = false;
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    const value = (): string | undefined => (argument.includes("=") ? argument.slice(argument.indexOf("=") + 1) : args[++index]);
    if (argument === "--help" || argument === "-h") {
      process.stdout.write(IMPORT_USAGE);
      return 0;
    } else if (argument === "--force") force = true;
    else if (argument === "--out" || argument.startsWith("--out=")) out = value();
    else if (argument === "--format" || argument.startsWith("--format=")) {
      const given = value();
      if (given !== "ts" && given !== "yaml") return usage(`--format must be ts or yaml, got "${given ?? ""}"`);
      format = given;
    } else if (argument.startsWith("-")) return usage(`unknown option ${argument}`);
    else if (source === undefined) source = argument;
    else return usage(`unexpected argument "${argument}" (one LiteLLM config is read)`);
  }
  if (source === undefined) return usage("give the LiteLLM config to import");
  format ??= out !== undefined && /\.ya?ml$/.test(out) ? "yaml" : "ts";
  const target = resolve(out ?? (format === "ts" ? "gateway.config.ts" : "gateway.config.yaml"));
  if (existsSync(target) && !force) {
    process.stderr.write(`gw import: ${displayPath(target, process.cwd())} exists; pass --force to replace it, or --out another path.\n`);
    return 1;
  }
  const color = useColor(process.stderr);
  const { text, diagnostics } = await importLitellmConfig(resolve(source), format);
  if (diagnostics.length > 0) process.stderr.write(formatDiagnostics(diagnostics, "text", { color }));
  if (text === null) return 1;
  writeFileSync(target, text);
  // The written config is checked like any other: what it still lacks (e.g. a price) is said now.
  const checked = await checkConfig(target);
  const problems = checked.diagnostics.length;
  if (problems > 0) process.stderr.write(formatDiagnostics(checked.diagnostics, "text", { color }));
  process.stdout.write(`${displayPath(target, process.cwd())} written${problems === 0 ? " (checks clean)" : ""}\n`);
  return checked.diagnostics.some((diagnostic) => diagnostic.severity === "error") ? 1 : 0;
}

function usage(message: string): number {
  process.stderr.write(`gw import: ${message}\n${IMPORT_USAGE}`);
  return 2;
}
