/** The Azure OpenAI provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const azureDescriptor = {
  label: "Azure OpenAI",
  defaultBaseUrl: "https://azure-baseurl-required.invalid",
  requiresBaseUrl: true,
  apiKeyEnv: "AZURE_API_KEY",
  apiKeyOptional: false,
  priceProvider: "azure",
  free: false,
  options: ["apiVersion", "credentials"],
  capabilities: { chat: true, embeddings: true },
  exampleModel: null,
} as const satisfies ProviderDescriptor;
