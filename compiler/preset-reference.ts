/**
 * Renders the README's table of OpenAI-compatible presets from runtime/providers/preset-descriptors.ts
 * (a generated section: see generated-sections.ts), so the documented base URLs and key
 * variables are the ones gw uses.
 */
import type { ProviderPreset } from "../runtime/providers/preset-descriptors.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
}

export function renderPresetTable(presets: Readonly<Record<string, ProviderPreset>>): string {
  const rows = Object.values(presets).map((preset) => {
    const example = preset.requiresBaseUrl
      ? `{ provider: "${preset.name}", model: "${preset.exampleModel}", baseUrl: "${preset.baseUrl}" }`
      : `{ provider: "${preset.name}", model: "${preset.exampleModel}" }`;
    const key = preset.apiKeyOptional ? `${preset.apiKeyEnv} (optional)` : preset.apiKeyEnv;
    const base = preset.requiresBaseUrl ? `your own (${preset.baseUrl})` : preset.baseUrl;
    return `| [${cell(preset.label)}](${preset.docsUrl}) | \`${cell(example)}\` | ${cell(base)} | \`${key}\` | ${preset.embeddings ? "yes" : "—"} | ${cell(preset.note ?? "")} |`;
  });
  return [
    "| vendor | one-line deployment | base URL | key variable | embeddings | notes |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
