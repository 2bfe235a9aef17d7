/**
 * `gw import`: a LiteLLM config.yaml turned into gw's own config, readable as if written by hand,
 * with the LiteLLM settings gw does not use listed as comments at the top. The text is what
 * `gw serve config.yaml` would serve (the same translation, compiler/litellm.ts), so it checks the
 * same and compiles to the same routing table.
 */
import { basename } from "node:path";
import { createDiagnostic, hasErrors, type Diagnostic } from "./diagnostic.ts";
import { isLitellmConfig, translateLitellm } from "./litellm.ts";
import { loadConfig } from "./load-config.ts";
import { locateDiagnostics } from "./locate.ts";
import { renderTypeScriptConfig, renderYamlConfig } from "./render-config.ts";

export type ImportFormat = "ts" | "yaml";

/** The config text, or null when the LiteLLM file cannot be read (`diagnostics` say why). */
export async function importLitellmConfig(path: string, format: ImportFormat): Promise<{ text: string | null; diagnostics: Diagnostic[] }> {
  const result = await loadConfig(path);
  if (!result.ok) return { text: null, diagnostics: await locateDiagnostics(result.diagnostics, path) };
  const { loaded } = result;
  if (loaded.format !== "yaml" || !isLitellmConfig(loaded.config)) {
    const diagnostic = createDiagnostic(
      "litellmInvalid",
      [],
      `${basename(path)} is not a LiteLLM config: gw import reads a LiteLLM proxy config.yaml (with model_list). A gw config needs no import: gw check it as it is.`,
    );
    return { text: null, diagnostics: await locateDiagnostics([diagnostic], path, loaded) };
  }
  const translation = translateLitellm(loaded.config);
  const diagnostics = await locateDiagnostics(translation.diagnostics, path, loaded);
  if (hasErrors(diagnostics)) return { text: null, diagnostics };
  const name = basename(path);
  const comments = [
    `Imported from the LiteLLM config ${name} by gw import.`,
    ...(diagnostics.length === 0
      ? []
      : ["", `Settings of ${name} gw does not use:`, ...diagnostics.map((diagnostic) => `- line ${diagnostic.line}: ${diagnostic.message}`)]),
  ];
  const text = format === "ts" ? renderTypeScriptConfig(translation.config, comments) : renderYamlConfig(translation.config, comments);
  return { text, diagnostics };
}
