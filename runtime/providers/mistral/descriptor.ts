/** The Mistral AI provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const mistralDescriptor = {
  label: "Mistral AI",
  /** The base URL includes the version path: requests go to `${baseUrl}/chat/completions`. */
  defaultBaseUrl: "https://api.mistral.ai/v1",
  requiresBaseUrl: false,
  apiKeyEnv: "MISTRAL_API_KEY",
  apiKeyOptional: false,
  priceProvider: "mistral",
  free: false,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: "mistral-large-latest",
} as const satisfies ProviderDescriptor;
