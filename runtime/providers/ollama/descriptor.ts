/** The Ollama (native API) provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const ollamaDescriptor = {
  label: "Ollama (native API)",
  /** Ollama's own default address; `baseUrl` is the server root (no `/api`, no `/v1`). */
  defaultBaseUrl: "http://localhost:11434",
  requiresBaseUrl: false,
  apiKeyEnv: null,
  apiKeyOptional: false,
  priceProvider: null,
  free: true,
  options: [],
  capabilities: { chat: true, embeddings: true },
  exampleModel: "llama3.2",
} as const satisfies ProviderDescriptor;
