/** The Google Vertex AI provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const vertexDescriptor = {
  label: "Google Vertex AI",
  /** The runtime replaces {region} from the deployment's `region` option at start-up. */
  defaultBaseUrl: "https://{region}-aiplatform.googleapis.com",
  requiresBaseUrl: false,
  apiKeyEnv: null,
  apiKeyOptional: false,
  priceProvider: "google",
  free: false,
  options: ["region", "project", "credentials"],
  capabilities: { chat: true, embeddings: true },
  credentialsEnv: { serviceAccount: "GOOGLE_SERVICE_ACCOUNT_JSON" },
  exampleModel: "gemini-2.5-flash",
} as const satisfies ProviderDescriptor;
