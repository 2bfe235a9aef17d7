/** The OpenAI provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const openaiDescriptor = {
  label: "OpenAI",
  defaultBaseUrl: "https://api.openai.com/v1",
  requiresBaseUrl: false,
  apiKeyEnv: "OPENAI_API_KEY",
  apiKeyOptional: false,
  priceProvider: "openai",
  free: false,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: "gpt-4o-mini",
} as const satisfies ProviderDescriptor;
