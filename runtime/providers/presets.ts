/**
 * The presets' adapters: for every OpenAI-compatible vendor in preset-descriptors.ts, the shared
 * OpenAI-compatible adapter pointed at its base URL, without embeddings where the vendor has none.
 */
import { createOpenAICompatibleAdapter } from "./openai/index.ts";
import { PRESET_NAMES, PRESETS, type PresetProviderName } from "./preset-descriptors.ts";
import type { ProviderAdapter } from "./types.ts";

export const presetAdapters: Record<PresetProviderName, ProviderAdapter> = Object.fromEntries(
  PRESET_NAMES.map((name) => {
    const preset = PRESETS[name];
    return [name, createOpenAICompatibleAdapter({ name, defaultBaseUrl: preset.baseUrl, embeddings: preset.embeddings })];
  }),
) as Record<PresetProviderName, ProviderAdapter>;
