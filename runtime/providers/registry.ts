/** The providers this build of gw speaks, by the name a config's `provider` field uses. */
import type { ProviderName } from "../../compiler/define-config.ts";
import { anthropic } from "./anthropic/index.ts";
import { mock } from "./mock/index.ts";
import { openai } from "./openai/index.ts";
import type { ProviderAdapter } from "./types.ts";

export const providers: Record<ProviderName, ProviderAdapter> = { openai, anthropic, mock };

export function getProvider(name: string): ProviderAdapter | undefined {
  return Object.hasOwn(providers, name) ? providers[name as ProviderName] : undefined;
}
