/** The gw's built-in mock provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const mockDescriptor = {
  label: "gw's built-in mock",
  defaultBaseUrl: "mock://local",
  requiresBaseUrl: false,
  apiKeyEnv: null,
  apiKeyOptional: false,
  priceProvider: null,
  free: true,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: null,
} as const satisfies ProviderDescriptor;
