/** The Cohere provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const cohereDescriptor = {
  label: "Cohere",
  /** The base URL has no version path: requests go to `${baseUrl}/v2/chat` and `${baseUrl}/v2/embed`. */
  defaultBaseUrl: "https://api.cohere.com",
  requiresBaseUrl: false,
  apiKeyEnv: "COHERE_API_KEY",
  apiKeyOptional: false,
  priceProvider: "cohere",
  free: false,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: "command-r-plus",
} as const satisfies ProviderDescriptor;
