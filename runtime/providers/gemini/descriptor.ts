/** The Google AI Studio (Gemini) provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const geminiDescriptor = {
  label: "Google AI Studio (Gemini)",
  /** The base URL includes the API version: requests go to `${baseUrl}/models/{model}:generateContent`. */
  defaultBaseUrl: "https://generativelanguage.googleapis.com/v1beta",
  requiresBaseUrl: false,
  apiKeyEnv: "GEMINI_API_KEY",
  apiKeyOptional: false,
  priceProvider: "google",
  free: false,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: "gemini-2.5-flash",
} as const satisfies ProviderDescriptor;
