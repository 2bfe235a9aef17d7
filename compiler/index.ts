/**
 * The compiler's public API (`gw-gateway/compiler`), used by `gw check`, `gw build` and
 * `gw serve`. Everything here returns data; only the CLI prints and sets exit codes.
 *
 * Importing this module is cheap: the pipeline (yaml, the price table) loads on the
 * first check or compile, and ts-morph only when diagnostics must be placed in a
 * TypeScript config.
 */
import type { Bundle } from "../contract/bundle.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { PipelineOptions } from "./pipeline.ts";

export type { Diagnostic, JsonPath } from "./diagnostic.ts";
export type { DiagnosticCodeInfo, Severity } from "./diagnostic-codes.ts";
export { DIAGNOSTIC_CODES, listDiagnosticCodes } from "./diagnostic-codes.ts";
export { findConfigFile, CONFIG_FILE_NAMES } from "./find-config-file.ts";
export { formatDiagnostics, summarize, type DiagnosticFormat, type FormatOptions } from "./format-diagnostics.ts";
export { validateBundle } from "../contract/validate-bundle.ts";
export { hashBundleContent } from "./hash.ts";
export { hashKey } from "./keys.ts";

export interface ConfigOptions {
  /** Directory relative paths are resolved against, and `source` is recorded relative to. Default: process.cwd(). */
  cwd?: string;
  /** Environment at build time. Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** Validates a config (no path: looks for ./gateway.config.ts, .yaml, .yml in cwd). Writes nothing. */
export async function checkConfig(
  configPath?: string,
  options: ConfigOptions = {},
): Promise<{ path: string; diagnostics: Diagnostic[] }> {
  const { path, diagnostics } = await pipeline(configPath, options, false);
  return { path, diagnostics };
}

/** Validates and compiles a config; `bundle` is null when any diagnostic is an error. */
export async function compileConfig(
  configPath?: string,
  options: ConfigOptions = {},
): Promise<{ path: string; bundle: Bundle | null; diagnostics: Diagnostic[] }> {
  return pipeline(configPath, options, true);
}

async function pipeline(configPath: string | undefined, options: PipelineOptions, compile: boolean) {
  const { runPipeline } = await import("./pipeline.ts");
  return runPipeline(configPath, options, compile);
}
