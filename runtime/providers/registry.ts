/** The providers this build of gw speaks, by the name a config's `provider` field uses. */
import type { ProviderName } from "./descriptors.ts";
import { anthropic } from "./anthropic/index.ts";
import { azure } from "./azure/index.ts";
import { bedrock } from "./bedrock/index.ts";
import { cohere } from "./cohere/index.ts";
import { gemini } from "./gemini/index.ts";
import { mistral } from "./mistral/index.ts";
import { mock } from "./mock/index.ts";
import { ollama } from "./ollama/index.ts";
import { openai } from "./openai/index.ts";
import { presetAdapters } from "./presets.ts";
import type { ProviderAdapter } from "./types.ts";
import { vertex } from "./vertex/index.ts";

export const providers: Record<ProviderName, ProviderAdapter> = {
  openai,
  anthropic,
  azure,
  gemini,
  vertex,
  bedrock,
  cohere,
  mistral,
  ollama,
  mock,
  ...presetAdapters,
};

export function getProvider(name: string): ProviderAdapter | undefined {
  return Object.hasOwn(providers, name) ? providers[name as ProviderName] : undefined;
}
