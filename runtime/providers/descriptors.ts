/**
 * Every provider's descriptor by the name a config's `provider` field uses: natives first, then
 * the OpenAI-compatible presets. The compiler and the runtime both read this table (data only:
 * see descriptor.ts), so the names, key variables and capabilities cannot drift apart.
 */
import { anthropicDescriptor } from "./anthropic/descriptor.ts";
import { azureDescriptor } from "./azure/descriptor.ts";
import { bedrockDescriptor } from "./bedrock/descriptor.ts";
import { cohereDescriptor } from "./cohere/descriptor.ts";
import type { ProviderDescriptor } from "./descriptor.ts";
import { geminiDescriptor } from "./gemini/descriptor.ts";
import { mistralDescriptor } from "./mistral/descriptor.ts";
import { mockDescriptor } from "./mock/descriptor.ts";
import { ollamaDescriptor } from "./ollama/descriptor.ts";
import { openaiDescriptor } from "./openai/descriptor.ts";
import { PRESET_DESCRIPTORS, type PresetProviderName } from "./preset-descriptors.ts";
import { vertexDescriptor } from "./vertex/descriptor.ts";

export type { DeploymentOption, ProviderDescriptor } from "./descriptor.ts";
export type { PresetProviderName } from "./preset-descriptors.ts";

/** Providers with a wire format of their own. `mock` answers locally without a network. */
export const NATIVE_DESCRIPTORS = {
  openai: openaiDescriptor,
  anthropic: anthropicDescriptor,
  azure: azureDescriptor,
  gemini: geminiDescriptor,
  vertex: vertexDescriptor,
  bedrock: bedrockDescriptor,
  cohere: cohereDescriptor,
  mistral: mistralDescriptor,
  ollama: ollamaDescriptor,
  mock: mockDescriptor,
} as const satisfies Record<string, ProviderDescriptor>;

export type NativeProviderName = keyof typeof NATIVE_DESCRIPTORS;
export type ProviderName = NativeProviderName | PresetProviderName;

export const PROVIDER_DESCRIPTORS: Readonly<Record<ProviderName, ProviderDescriptor>> = Object.freeze({ ...NATIVE_DESCRIPTORS, ...PRESET_DESCRIPTORS });

/** Every provider name, natives first (the order of the config schema's enum). */
export const PROVIDER_NAMES = Object.keys(PROVIDER_DESCRIPTORS) as ProviderName[];

export function isKnownProvider(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDER_DESCRIPTORS, name);
}

export function isNativeProvider(name: string): name is NativeProviderName {
  return Object.hasOwn(NATIVE_DESCRIPTORS, name);
}

export function descriptorOf(name: ProviderName): ProviderDescriptor {
  return PROVIDER_DESCRIPTORS[name];
}
