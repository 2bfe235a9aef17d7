import { PRESETS, isPresetName } from "../runtime/providers/presets.ts";
import type { DeploymentConfig, ProviderName } from "./define-config.ts";

/**
 * What the compiler knows about each provider: its @pydantic/genai-prices provider id,
 * whether it is free, which key it reads by default, and which provider-specific options
 * it takes. Presets' key variables and base URL needs come from the preset table
 * (runtime/providers/presets.ts), so the two cannot drift.
 */

/**
 * The @pydantic/genai-prices provider id of every provider (null: the price data has no
 * such provider). Must list every `ProviderName` (checked at compile time) and equal the
 * schema's provider enum (compiler/schema.test.ts). Natives first, then presets.
 */
export const PROVIDER_PRICE_IDS = {
  openai: "openai",
  anthropic: "anthropic",
  azure: "azure",
  gemini: "google",
  vertex: "google",
  bedrock: "aws",
  cohere: "cohere",
  mistral: "mistral",
  ollama: null,
  mock: null,
  groq: "groq",
  together: "together",
  deepseek: "deepseek",
  xai: "x-ai",
  fireworks: "fireworks",
  openrouter: "openrouter",
  perplexity: "perplexity",
  cerebras: "cerebras",
  deepinfra: null,
  "nvidia-nim": null,
  sambanova: null,
  moonshot: "moonshotai",
  dashscope: null,
  novita: "novita",
  huggingface: null,
  databricks: null,
  lmstudio: null,
  vllm: null,
  llamacpp: null,
  "ollama-openai": null,
  lambda: null,
  nebius: null,
  hyperbolic: null,
  "github-models": null,
  "litellm-proxy": null,
} as const satisfies Record<ProviderName, string | null>;

export const KNOWN_PROVIDERS = Object.keys(PROVIDER_PRICE_IDS) as ProviderName[];

export function isKnownProvider(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDER_PRICE_IDS, name);
}

/** Providers that cost nothing per token: answered in-process (mock) or served from the operator's own hardware. */
const FREE_PROVIDERS: ReadonlySet<ProviderName> = new Set<ProviderName>(["mock", "ollama", "lmstudio", "vllm", "llamacpp", "ollama-openai"]);

export function isFreeProvider(provider: ProviderName): boolean {
  return FREE_PROVIDERS.has(provider);
}

export function priceProviderOf(provider: ProviderName): string | null {
  return PROVIDER_PRICE_IDS[provider];
}

/** The variable an API key is read from when a deployment gives none; `optional`: it may be unset (no key sent). */
export interface DefaultApiKey {
  env: string;
  optional: boolean;
}

const NATIVE_API_KEY_ENV: Partial<Record<ProviderName, string>> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  azure: "AZURE_API_KEY",
  gemini: "GEMINI_API_KEY",
  cohere: "COHERE_API_KEY",
  mistral: "MISTRAL_API_KEY",
};

/**
 * The default API key of a deployment without `apiKey`, or null for none. An OpenAI key is
 * never defaulted for a custom `baseUrl` (it would go to a third party); Azure with
 * `credentials` authenticates with the Entra ID token instead. Ollama, Vertex AI (service
 * account), Bedrock (SigV4) and mock take no key.
 */
export function defaultApiKey(provider: ProviderName, deployment: Pick<DeploymentConfig, "baseUrl" | "credentials">): DefaultApiKey | null {
  if (isPresetName(provider)) {
    const preset = PRESETS[provider];
    return { env: preset.apiKeyEnv, optional: preset.apiKeyOptional };
  }
  if (provider === "openai" && deployment.baseUrl !== undefined) return null;
  if (provider === "azure" && deployment.credentials !== undefined) return null;
  const env = NATIVE_API_KEY_ENV[provider];
  return env === undefined ? null : { env, optional: false };
}

/** Azure has no public endpoint (each resource has its own); per-workspace presets (Databricks) neither. */
export function requiresBaseUrl(provider: ProviderName): boolean {
  return provider === "azure" || (isPresetName(provider) && PRESETS[provider].requiresBaseUrl);
}

/** Provider-specific deployment options and the providers that take them. */
export const PROVIDER_OPTIONS = {
  apiVersion: ["azure"],
  region: ["bedrock", "vertex"],
  project: ["vertex"],
  credentials: ["vertex", "azure"],
  aws: ["bedrock"],
} as const satisfies Record<string, readonly ProviderName[]>;

export type ProviderOption = keyof typeof PROVIDER_OPTIONS;

export function supportsOption(provider: ProviderName, option: ProviderOption): boolean {
  return (PROVIDER_OPTIONS[option] as readonly ProviderName[]).includes(provider);
}

/** Default env vars of the providers with more than an API key (see compiler/normalize.ts). */
export const VERTEX_SERVICE_ACCOUNT_ENV = "GOOGLE_SERVICE_ACCOUNT_JSON";
export const AWS_ENV = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
  region: "AWS_REGION",
} as const;
