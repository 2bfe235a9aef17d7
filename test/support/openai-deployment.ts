/**
 * The deployment most end-to-end configs route to: an OpenAI fake at `upstream.baseUrl`, model
 * gpt-4.1-nano (priced in the built-in table), keyed by the OPENAI_API_KEY env var, with a
 * stable `name` (the `x-gw-deployment` header) and any further deployment fields in `extra`.
 */
import type { DeploymentConfig } from "../../compiler/define-config.ts";

export function openAIDeployment(name: string, upstream: { baseUrl: string }, extra: Partial<DeploymentConfig> = {}): DeploymentConfig {
  return { name, provider: "openai", model: "gpt-4.1-nano", baseUrl: upstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, ...extra };
}
