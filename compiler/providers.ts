/**
 * What the compiler knows about each provider, read from the providers' data-only descriptors
 * (runtime/providers/descriptors.ts), which the runtime reads too, so the two cannot drift:
 * its @pydantic/genai-prices provider id, whether it is free, which key it reads by default,
 * and which provider-specific options it takes.
 */
import {
  type DeploymentOption,
  NATIVE_DESCRIPTORS,
  PROVIDER_DESCRIPTORS,
  PROVIDER_NAMES,
  type ProviderName,
  isKnownProvider as isKnownProviderName,
} from "../runtime/providers/descriptors.ts";
import type { DeploymentConfig } from "./define-config.ts";

/** Every provider name, natives first; equals the schema's provider enum (compiler/schema.test.ts). */
export const KNOWN_PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;

export function isKnownProvider(name: string): name is ProviderName {
  return isKnownProviderName(name);
}

export function isFreeProvider(provider: ProviderName): boolean {
  return PROVIDER_DESCRIPTORS[provider].free;
}

export function priceProviderOf(provider: ProviderName): string | null {
  return PROVIDER_DESCRIPTORS[provider].priceProvider;
}

/** The variable an API key is read from when a deployment gives none; `optional`: it may be unset (no key sent). */
export interface DefaultApiKey {
  env: string;
  optional: boolean;
}

/**
 * The default API key of a deployment without `apiKey`, or null for none. An OpenAI key is
 * never defaulted for a custom `baseUrl` (it would go to a third party); Azure with
 * `credentials` authenticates with the Entra ID token instead. Providers whose descriptor has
 * no key variable (Ollama, Vertex AI's service account, Bedrock's SigV4, mock) take no key.
 */
export function defaultApiKey(provider: ProviderName, deployment: Pick<DeploymentConfig, "baseUrl" | "credentials">): DefaultApiKey | null {
  if (provider === "openai" && deployment.baseUrl !== undefined) return null;
  if (provider === "azure" && deployment.credentials !== undefined) return null;
  const descriptor = PROVIDER_DESCRIPTORS[provider];
  return descriptor.apiKeyEnv === null ? null : { env: descriptor.apiKeyEnv, optional: descriptor.apiKeyOptional };
}

/** Azure has no public endpoint (each resource has its own); per-workspace presets (Databricks) neither. */
export function requiresBaseUrl(provider: ProviderName): boolean {
  return PROVIDER_DESCRIPTORS[provider].requiresBaseUrl;
}

export type ProviderOption = DeploymentOption;

/** Provider-specific deployment options and the providers that take them (from the descriptors). */
export const PROVIDER_OPTIONS: Readonly<Record<ProviderOption, readonly ProviderName[]>> = (() => {
  const options: Record<ProviderOption, ProviderName[]> = { apiVersion: [], region: [], project: [], credentials: [], aws: [] };
  for (const name of PROVIDER_NAMES) for (const option of PROVIDER_DESCRIPTORS[name].options) options[option].push(name);
  return options;
})();

export function supportsOption(provider: ProviderName, option: ProviderOption): boolean {
  return PROVIDER_DESCRIPTORS[provider].options.includes(option);
}

/** A model the provider serves, for examples in messages; undefined when there is none to suggest. */
export function exampleModelOf(provider: ProviderName): string | undefined {
  return PROVIDER_DESCRIPTORS[provider].exampleModel ?? undefined;
}

/** Default env vars of the providers with more than an API key (see compiler/normalize-deployment.ts). */
export const VERTEX_SERVICE_ACCOUNT_ENV = NATIVE_DESCRIPTORS.vertex.credentialsEnv.serviceAccount;
export const AWS_ENV = NATIVE_DESCRIPTORS.bedrock.credentialsEnv;
