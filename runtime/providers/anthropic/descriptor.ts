/** The Anthropic provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const anthropicDescriptor = {
  label: "Anthropic",
  /** The base URL has no version path: requests go to `${baseUrl}/v1/messages`. */
  defaultBaseUrl: "https://api.anthropic.com",
  requiresBaseUrl: false,
  apiKeyEnv: "ANTHROPIC_API_KEY",
  apiKeyOptional: false,
  priceProvider: "anthropic",
  free: false,
  options: [],
  capabilities: { chat: true, embeddings: false },
  exampleModel: "claude-sonnet-4-5",
} as const satisfies ProviderDescriptor;
