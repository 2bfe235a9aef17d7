import { join, relative, resolve, sep } from "node:path";
import type { Bundle } from "../contract/bundle.ts";
import { compileBundle } from "./compile.ts";
import type { GatewayConfig } from "./define-config.ts";
import { createDiagnostic, hasErrors, sortDiagnostics, type Diagnostic, type PendingDiagnostic } from "./diagnostic.ts";
import { CONFIG_FILE_NAMES, findConfigFile } from "./find-config-file.ts";
import type { Environment } from "./keys.ts";
import { loadConfig, type ConfigFormat, type LoadedConfig } from "./load-config.ts";
import { locateDiagnostics } from "./locate.ts";
import { normalizeConfig } from "./normalize.ts";
import { validateConfigSchema } from "./validate-schema.ts";
import { validateSemantics } from "./validate-semantics.ts";
import { isLitellmConfig, translateLitellm } from "./litellm.ts";

/**
 * load -> validate (schema, then semantics) -> normalize -> compile. Returns data only:
 * diagnostics placed in the source, and the bundle when asked for and there is no error.
 */

export interface PipelineOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface PipelineResult {
  path: string;
  bundle: Bundle | null;
  diagnostics: Diagnostic[];
}

export async function runPipeline(configPath: string | undefined, options: PipelineOptions, compile: boolean): Promise<PipelineResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const environment: Environment = options.env ?? process.env;
  const path = configPath === undefined ? findConfigFile(cwd) : resolve(cwd, configPath);
  if (path === null) {
    const diagnostic = createDiagnostic(
      "configNotFound",
      [],
      `No config file found in ${cwd}: looked for ${CONFIG_FILE_NAMES.join(", ")}. ` +
        `Create one (see examples/quickstart/gateway.config.ts), or pass its path: gw check path/to/gateway.config.ts.`,
    );
    const expected = join(cwd, CONFIG_FILE_NAMES[0]);
    return { path: expected, bundle: null, diagnostics: await locateDiagnostics([diagnostic], expected) };
  }

  const result = await loadConfig(path);
  if (!result.ok) return { path, bundle: null, diagnostics: sortDiagnostics(await locateDiagnostics(result.diagnostics, path)) };
  const { loaded } = result;

  // A LiteLLM config.yaml is read as is: translated, then checked like any config, its problems
  // placed where they are in the LiteLLM file.
  const litellm = loaded.format === "yaml" && isLitellmConfig(loaded.config) ? translateLitellm(loaded.config) : null;
  const analysis = analyzeConfig(litellm === null ? loaded.config : litellm.config, {
    format: loaded.format,
    environment,
    source: sourcePath(loaded, cwd),
    compile: compile && (litellm === null || !hasErrors(litellm.diagnostics)),
  });
  const pending =
    litellm === null
      ? analysis.diagnostics
      : [...litellm.diagnostics, ...analysis.diagnostics.map((diagnostic) => litellm.relabel(diagnostic))];
  const diagnostics = sortDiagnostics(await locateDiagnostics(pending, path, loaded));
  return { path, bundle: litellm !== null && hasErrors(litellm.diagnostics) ? null : analysis.bundle, diagnostics };
}

export interface AnalyzeOptions {
  format: ConfigFormat;
  environment: Environment;
  /** Recorded in the bundle as `source`. */
  source: string;
  compile: boolean;
}

/**
 * Validates config data (schema, then semantics) and, when asked and error-free,
 * normalizes and compiles it. Diagnostics are not yet placed in a file.
 */
export function analyzeConfig(config: unknown, options: AnalyzeOptions): { diagnostics: PendingDiagnostic[]; bundle: Bundle | null } {
  const schema = validateConfigSchema(config);
  const semantic = validateSemantics(config, {
    invalidPaths: schema.invalidPaths,
    environment: options.environment,
    format: options.format,
  });
  const diagnostics = [...schema.diagnostics, ...semantic];
  if (!options.compile || hasErrors(diagnostics)) return { diagnostics, bundle: null };
  const bundle = compileBundle(normalizeConfig(config as GatewayConfig), {
    source: options.source,
    environment: options.environment,
  });
  return { diagnostics, bundle };
}

function sourcePath(loaded: LoadedConfig, cwd: string): string {
  return relative(cwd, loaded.path).split(sep).join("/");
}
