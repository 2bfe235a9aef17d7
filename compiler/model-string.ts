import type { ProviderName } from "./define-config.ts";
import { KNOWN_PROVIDERS, isKnownProvider } from "./providers.ts";

/**
 * Deployment model strings as users already write them for LiteLLM: "anthropic/claude-x",
 * "bedrock/converse/...", "vertex_ai/...", "groq/...". Without `provider`, the part before
 * the first "/" names the provider (LiteLLM's prefix or gw's own provider name) and the
 * rest is the upstream model. With `provider`, the model is taken literally, so OpenRouter's
 * "anthropic/claude-3.5-sonnet" works with provider "openrouter".
 * @see https://docs.litellm.ai/docs/providers
 */

/** LiteLLM's provider prefixes that differ from gw's provider names. */
const LITELLM_PREFIXES: Readonly<Record<string, ProviderName>> = {
  vertex_ai: "vertex",
  vertex_ai_beta: "vertex",
  cohere_chat: "cohere",
  ollama_chat: "ollama",
  together_ai: "together",
  fireworks_ai: "fireworks",
  nvidia_nim: "nvidia-nim",
  lm_studio: "lmstudio",
  hosted_vllm: "vllm",
  github: "github-models",
  litellm_proxy: "litellm-proxy",
  lambda_ai: "lambda",
};

/** Every prefix accepted in a model string: LiteLLM's, then gw's provider names. */
export const MODEL_PREFIXES: readonly string[] = [...Object.keys(LITELLM_PREFIXES), ...KNOWN_PROVIDERS];

/** Bedrock route markers LiteLLM puts after its prefix; gw always speaks Converse, so they are dropped. */
const BEDROCK_ROUTES = ["converse/", "invoke/"];

export type DeploymentTarget =
  /** `prefix` is set when the provider came from the model string. */
  | { kind: "resolved"; provider: ProviderName; model: string; prefix: string | null }
  | { kind: "unknownProvider"; provider: string }
  | { kind: "unknownPrefix"; prefix: string }
  | { kind: "noProvider" };

/** The provider a model-string prefix names, or undefined. */
export function providerForPrefix(prefix: string): ProviderName | undefined {
  if (Object.hasOwn(LITELLM_PREFIXES, prefix)) return LITELLM_PREFIXES[prefix];
  return isKnownProvider(prefix) ? prefix : undefined;
}

/** Resolves a deployment's `provider` (optional) and `model` into the provider and upstream model. */
export function resolveDeploymentTarget(provider: string | undefined, model: string): DeploymentTarget {
  if (provider !== undefined) {
    return isKnownProvider(provider) ? { kind: "resolved", provider, model, prefix: null } : { kind: "unknownProvider", provider };
  }
  const slash = model.indexOf("/");
  if (slash <= 0) return { kind: "noProvider" };
  const prefix = model.slice(0, slash);
  const resolved = providerForPrefix(prefix);
  if (resolved === undefined) return { kind: "unknownPrefix", prefix };
  let rest = model.slice(slash + 1);
  if (resolved === "bedrock") {
    const route = BEDROCK_ROUTES.find((marker) => rest.startsWith(marker));
    if (route !== undefined) rest = rest.slice(route.length);
  }
  if (rest === "") return { kind: "noProvider" };
  return { kind: "resolved", provider: resolved, model: rest, prefix };
}

/**
 * For a deployment that gives `provider` explicitly: the provider its model string would
 * name if `provider` were left out ("anthropic" for provider anthropic, model
 * "anthropic/claude-x"), so the compiler can warn that the prefix is sent upstream as is.
 */
export function redundantPrefix(provider: ProviderName, model: string): string | undefined {
  // OpenRouter's own model ids start with its name ("openrouter/auto").
  if (provider === "openrouter") return undefined;
  const slash = model.indexOf("/");
  if (slash <= 0) return undefined;
  const prefix = model.slice(0, slash);
  return providerForPrefix(prefix) === provider ? prefix : undefined;
}
