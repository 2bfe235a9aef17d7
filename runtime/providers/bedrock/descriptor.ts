/** The Amazon Bedrock provider's facts (see ../descriptor.ts). Data only. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const bedrockDescriptor = {
  label: "Amazon Bedrock",
  /** `{region}` is replaced at start-up from the deployment's region (or AWS_REGION). */
  defaultBaseUrl: "https://bedrock-runtime.{region}.amazonaws.com",
  requiresBaseUrl: false,
  apiKeyEnv: null,
  apiKeyOptional: false,
  priceProvider: "aws",
  free: false,
  options: ["region", "aws"],
  capabilities: { chat: true, embeddings: true },
  credentialsEnv: {
    accessKeyId: "AWS_ACCESS_KEY_ID",
    secretAccessKey: "AWS_SECRET_ACCESS_KEY",
    sessionToken: "AWS_SESSION_TOKEN",
    region: "AWS_REGION",
  },
  exampleModel: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
} as const satisfies ProviderDescriptor;
