/**
 * A provider's facts as data: what the compiler checks a deployment against (required fields,
 * options, default key variable, prices) and what the runtime plans with (default base URL,
 * capabilities). One descriptor per provider, beside its adapter (`<name>/descriptor.ts`; the
 * presets' in preset-descriptors.ts), all listed in descriptors.ts.
 *
 * Invariant: descriptor files hold data and import nothing but types, so the compiler may read
 * them without loading the runtime (runtime/architecture.test.ts enforces both).
 */

/** Provider-specific deployment fields of the config. */
export type DeploymentOption = "apiVersion" | "region" | "project" | "credentials" | "aws";

export interface ProviderDescriptor {
  /** The vendor's name, for documentation and messages. */
  readonly label: string;
  /**
   * Used when a deployment has no `baseUrl`; may hold a `{region}` placeholder. A provider with
   * `requiresBaseUrl` has a placeholder that is never used (the compiler rejects a deployment without it).
   */
  readonly defaultBaseUrl: string;
  /** Per-account endpoints (an Azure resource, a Databricks workspace): the deployment must give `baseUrl`. */
  readonly requiresBaseUrl: boolean;
  /** The variable an API key is read from when a deployment gives no `apiKey`; null: the provider takes no key. */
  readonly apiKeyEnv: string | null;
  /** Local servers run without a key: the variable may be unset, and then no key is sent. */
  readonly apiKeyOptional: boolean;
  /** The provider's id in @pydantic/genai-prices; null when the price data has no such provider. */
  readonly priceProvider: string | null;
  /** Costs nothing per token (answered in-process, or served from the operator's own hardware). */
  readonly free: boolean;
  /** The provider-specific deployment fields it takes. */
  readonly options: readonly DeploymentOption[];
  /** Which of gw's endpoints the provider can serve. */
  readonly capabilities: { readonly chat: boolean; readonly embeddings: boolean };
  /** Variables credentials other than an API key are read from by default (service account, AWS keys), by role. */
  readonly credentialsEnv?: Readonly<Record<string, string>>;
  /** A model it serves, for examples in messages and docs; null when there is none to suggest. */
  readonly exampleModel: string | null;
}
