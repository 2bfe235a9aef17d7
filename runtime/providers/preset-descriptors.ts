/**
 * OpenAI-compatible vendors by preset: `provider: "groq"` needs nothing but `model`. Each
 * preset is data (base URL, API-key variable, auth style), read by the compiler (default
 * API-key variables, presets that need a `baseUrl`, prices) and by the runtime, whose adapter
 * for every preset is the shared OpenAI-compatible one pointed at that base URL
 * (./presets.ts). The README's provider list is generated from it. Data only: this file
 * imports nothing but types (runtime/architecture.test.ts).
 *
 * Invariants: `baseUrl` has no trailing slash and already contains the API version path, so
 * chat completions are at `${baseUrl}/chat/completions` and embeddings at `${baseUrl}/embeddings`;
 * a preset with `requiresBaseUrl` has a placeholder URL that is never used (the compiler
 * rejects a deployment of it without `baseUrl`).
 */
import type { ProviderDescriptor } from "./descriptor.ts";

export interface ProviderPreset {
  name: string;
  /** The vendor's name, for documentation. */
  label: string;
  /** The vendor's OpenAI-compatible base URL, without a trailing slash. */
  baseUrl: string;
  /** Per-account endpoints (a workspace URL): the deployment must give `baseUrl`. */
  requiresBaseUrl: boolean;
  /** The environment variable the API key is read from when a deployment gives no `apiKey`. */
  apiKeyEnv: string;
  /** Local servers run without a key: the variable may be unset, and then no auth header is sent. */
  apiKeyOptional: boolean;
  /**
   * How the key is sent. Every preset takes `Authorization: Bearer <key>` (vendors with another
   * style, such as Azure's `api-key` header, have a native provider instead).
   */
  authHeader: "bearer";
  /** Whether the vendor serves OpenAI's `/embeddings` at the same base URL. */
  embeddings: boolean;
  /** A model the vendor serves, for one-line config examples. */
  exampleModel: string;
  /** The vendor's documentation of its OpenAI-compatible API. */
  docsUrl: string;
  /** Anything an operator should know before relying on the preset. */
  note?: string;
}

type PresetData = Omit<ProviderPreset, "name" | "authHeader" | "requiresBaseUrl" | "apiKeyOptional"> &
  Partial<Pick<ProviderPreset, "requiresBaseUrl" | "apiKeyOptional">>;

const presetData = {
  groq: {
    label: "Groq",
    baseUrl: "https://api.groq.com/openai/v1",
    apiKeyEnv: "GROQ_API_KEY",
    embeddings: false,
    exampleModel: "llama-3.3-70b-versatile",
    docsUrl: "https://console.groq.com/docs/openai",
  },
  together: {
    label: "Together AI",
    baseUrl: "https://api.together.ai/v1",
    apiKeyEnv: "TOGETHER_API_KEY",
    embeddings: true,
    exampleModel: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    docsUrl: "https://docs.together.ai/docs/openai-api-compatibility",
    note: "The older host api.together.xyz serves the same API.",
  },
  deepseek: {
    label: "DeepSeek",
    baseUrl: "https://api.deepseek.com",
    apiKeyEnv: "DEEPSEEK_API_KEY",
    embeddings: false,
    exampleModel: "deepseek-chat",
    docsUrl: "https://api-docs.deepseek.com/",
    note: "https://api.deepseek.com/v1 is accepted too; the v1 there is not a model version.",
  },
  xai: {
    label: "xAI",
    baseUrl: "https://api.x.ai/v1",
    apiKeyEnv: "XAI_API_KEY",
    embeddings: false,
    exampleModel: "grok-3-mini",
    docsUrl: "https://docs.x.ai/docs/api-reference",
  },
  fireworks: {
    label: "Fireworks AI",
    baseUrl: "https://api.fireworks.ai/inference/v1",
    apiKeyEnv: "FIREWORKS_API_KEY",
    embeddings: true,
    exampleModel: "accounts/fireworks/models/llama-v3p1-8b-instruct",
    docsUrl: "https://docs.fireworks.ai/tools-sdks/openai-compatibility",
  },
  openrouter: {
    label: "OpenRouter",
    baseUrl: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
    embeddings: false,
    exampleModel: "anthropic/claude-3.5-sonnet",
    docsUrl: "https://openrouter.ai/docs/quickstart",
    note: 'Optional attribution headers go in `headers` ({ "HTTP-Referer": "https://your.app", "X-Title": "Your app" }).',
  },
  perplexity: {
    label: "Perplexity",
    baseUrl: "https://api.perplexity.ai",
    apiKeyEnv: "PERPLEXITY_API_KEY",
    embeddings: false,
    exampleModel: "sonar",
    docsUrl: "https://docs.perplexity.ai/guides/chat-completions-guide",
  },
  cerebras: {
    label: "Cerebras",
    baseUrl: "https://api.cerebras.ai/v1",
    apiKeyEnv: "CEREBRAS_API_KEY",
    embeddings: false,
    exampleModel: "llama3.1-8b",
    docsUrl: "https://inference-docs.cerebras.ai/resources/openai",
  },
  deepinfra: {
    label: "DeepInfra",
    baseUrl: "https://api.deepinfra.com/v1/openai",
    apiKeyEnv: "DEEPINFRA_API_KEY",
    embeddings: true,
    exampleModel: "meta-llama/Meta-Llama-3.1-8B-Instruct",
    docsUrl: "https://deepinfra.com/docs/advanced/openai_api",
  },
  "nvidia-nim": {
    label: "NVIDIA NIM (API catalog)",
    baseUrl: "https://integrate.api.nvidia.com/v1",
    apiKeyEnv: "NVIDIA_API_KEY",
    embeddings: true,
    exampleModel: "meta/llama-3.1-8b-instruct",
    docsUrl: "https://docs.api.nvidia.com/nim/reference/",
    note: "A self-hosted NIM container serves the same API: set baseUrl to it (e.g. http://localhost:8000/v1).",
  },
  sambanova: {
    label: "SambaNova Cloud",
    baseUrl: "https://api.sambanova.ai/v1",
    apiKeyEnv: "SAMBANOVA_API_KEY",
    embeddings: true,
    exampleModel: "Meta-Llama-3.3-70B-Instruct",
    docsUrl: "https://docs.sambanova.ai/cloud/docs/capabilities/openai-compatibility",
  },
  moonshot: {
    label: "Moonshot AI (Kimi)",
    baseUrl: "https://api.moonshot.ai/v1",
    apiKeyEnv: "MOONSHOT_API_KEY",
    embeddings: false,
    exampleModel: "kimi-k2-0711-preview",
    docsUrl: "https://platform.moonshot.ai/docs/api/chat",
    note: "Accounts on the China platform use baseUrl https://api.moonshot.cn/v1.",
  },
  dashscope: {
    label: "Alibaba Cloud Model Studio (DashScope, Qwen)",
    baseUrl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    apiKeyEnv: "DASHSCOPE_API_KEY",
    embeddings: true,
    exampleModel: "qwen-plus",
    docsUrl: "https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope",
    note: "The default is the international (Singapore) endpoint; Beijing accounts use baseUrl https://dashscope.aliyuncs.com/compatible-mode/v1.",
  },
  novita: {
    label: "Novita AI",
    baseUrl: "https://api.novita.ai/v3/openai",
    apiKeyEnv: "NOVITA_API_KEY",
    embeddings: false,
    exampleModel: "meta-llama/llama-3.1-8b-instruct",
    docsUrl: "https://novita.ai/docs/guides/llm-api",
  },
  huggingface: {
    label: "Hugging Face Inference Providers",
    baseUrl: "https://router.huggingface.co/v1",
    apiKeyEnv: "HF_TOKEN",
    embeddings: false,
    exampleModel: "deepseek-ai/DeepSeek-R1",
    docsUrl: "https://huggingface.co/docs/inference-providers/index",
    note: 'Pick the serving provider with a suffix: "deepseek-ai/DeepSeek-R1:together".',
  },
  databricks: {
    label: "Databricks Model Serving",
    baseUrl: "https://{workspace}.cloud.databricks.com/serving-endpoints",
    requiresBaseUrl: true,
    apiKeyEnv: "DATABRICKS_TOKEN",
    embeddings: true,
    exampleModel: "databricks-meta-llama-3-3-70b-instruct",
    docsUrl: "https://docs.databricks.com/machine-learning/model-serving/score-foundation-models.html",
    note: "Set baseUrl to your workspace's serving endpoints URL; `model` is the serving endpoint's name.",
  },
  lmstudio: {
    label: "LM Studio (local)",
    baseUrl: "http://localhost:1234/v1",
    apiKeyEnv: "LM_STUDIO_API_KEY",
    apiKeyOptional: true,
    embeddings: true,
    exampleModel: "qwen2.5-7b-instruct",
    docsUrl: "https://lmstudio.ai/docs/api/openai-api",
  },
  vllm: {
    label: "vLLM (self-hosted)",
    baseUrl: "http://localhost:8000/v1",
    apiKeyEnv: "VLLM_API_KEY",
    apiKeyOptional: true,
    embeddings: true,
    exampleModel: "meta-llama/Llama-3.1-8B-Instruct",
    docsUrl: "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
  },
  llamacpp: {
    label: "llama.cpp server (local)",
    baseUrl: "http://localhost:8080/v1",
    apiKeyEnv: "LLAMA_API_KEY",
    apiKeyOptional: true,
    embeddings: true,
    exampleModel: "default",
    docsUrl: "https://github.com/ggml-org/llama.cpp/tree/master/tools/server",
    note: "llama-server serves the model it was started with, whatever `model` says; embeddings need --embeddings.",
  },
  "ollama-openai": {
    label: "Ollama, OpenAI-compatible /v1 (local)",
    baseUrl: "http://localhost:11434/v1",
    apiKeyEnv: "OLLAMA_API_KEY",
    apiKeyOptional: true,
    embeddings: true,
    exampleModel: "llama3.2",
    docsUrl: "https://github.com/ollama/ollama/blob/main/docs/openai.md",
    note: "The native `ollama` provider speaks Ollama's own /api/chat instead.",
  },
  lambda: {
    label: "Lambda Inference API",
    baseUrl: "https://api.lambda.ai/v1",
    apiKeyEnv: "LAMBDA_API_KEY",
    embeddings: false,
    exampleModel: "llama3.3-70b-instruct-fp8",
    docsUrl: "https://docs.lambda.ai/public-cloud/lambda-inference-api/",
    note: "Lambda has announced the end of its public Inference API; the preset serves existing endpoints.",
  },
  nebius: {
    label: "Nebius AI Studio (Token Factory)",
    baseUrl: "https://api.tokenfactory.nebius.com/v1",
    apiKeyEnv: "NEBIUS_API_KEY",
    embeddings: true,
    exampleModel: "meta-llama/Llama-3.3-70B-Instruct",
    docsUrl: "https://docs.nebius.com/studio/inference/quickstart",
    note: "Accounts on the older AI Studio endpoint use baseUrl https://api.studio.nebius.com/v1.",
  },
  hyperbolic: {
    label: "Hyperbolic",
    baseUrl: "https://api.hyperbolic.xyz/v1",
    apiKeyEnv: "HYPERBOLIC_API_KEY",
    embeddings: false,
    exampleModel: "meta-llama/Llama-3.3-70B-Instruct",
    docsUrl: "https://docs.hyperbolic.xyz/docs/rest-api",
  },
  "github-models": {
    label: "GitHub Models",
    baseUrl: "https://models.github.ai/inference",
    apiKeyEnv: "GITHUB_TOKEN",
    embeddings: false,
    exampleModel: "openai/gpt-4o-mini",
    docsUrl: "https://docs.github.com/en/github-models/quickstart",
    note: "The token needs the models:read permission.",
  },
  "litellm-proxy": {
    label: "LiteLLM proxy",
    baseUrl: "http://localhost:4000/v1",
    apiKeyEnv: "LITELLM_PROXY_API_KEY",
    apiKeyOptional: true,
    embeddings: true,
    exampleModel: "gpt-4o",
    docsUrl: "https://docs.litellm.ai/docs/proxy/user_keys",
    note: "A proxy started with a master key needs it (or a virtual key) in LITELLM_PROXY_API_KEY.",
  },
} satisfies Record<string, PresetData>;

/** The OpenAI-compatible vendors, by the name a config's `provider` field uses. */
export type PresetProviderName = keyof typeof presetData;

function toPreset(name: PresetProviderName, data: PresetData): ProviderPreset {
  return {
    name,
    ...data,
    requiresBaseUrl: data.requiresBaseUrl ?? false,
    apiKeyOptional: data.apiKeyOptional ?? false,
    authHeader: "bearer",
  };
}

/** Every preset by name, in the order of `PresetProviderName`. */
export const PRESETS: Readonly<Record<PresetProviderName, ProviderPreset>> = Object.freeze(
  Object.fromEntries(
    (Object.entries(presetData) as [PresetProviderName, PresetData][]).map(([name, data]) => [name, toPreset(name, data)]),
  ) as Record<PresetProviderName, ProviderPreset>,
);

export const PRESET_NAMES = Object.keys(presetData) as PresetProviderName[];

export function isPresetName(name: string): name is PresetProviderName {
  return Object.hasOwn(presetData, name);
}

/**
 * The genai-prices provider id of presets the price data knows (the rest: null, so a deployment
 * needs a `price`); local servers are free.
 */
const presetPriceProviders: Partial<Record<PresetProviderName, string>> = {
  groq: "groq",
  together: "together",
  deepseek: "deepseek",
  xai: "x-ai",
  fireworks: "fireworks",
  openrouter: "openrouter",
  perplexity: "perplexity",
  cerebras: "cerebras",
  moonshot: "moonshotai",
  novita: "novita",
};

const freePresets: ReadonlySet<PresetProviderName> = new Set<PresetProviderName>(["lmstudio", "vllm", "llamacpp", "ollama-openai"]);

/** A preset as a provider descriptor (the same facts every provider has). */
function toDescriptor(preset: ProviderPreset & { name: PresetProviderName }): ProviderDescriptor {
  return {
    label: preset.label,
    defaultBaseUrl: preset.baseUrl,
    requiresBaseUrl: preset.requiresBaseUrl,
    apiKeyEnv: preset.apiKeyEnv,
    apiKeyOptional: preset.apiKeyOptional,
    priceProvider: presetPriceProviders[preset.name] ?? null,
    free: freePresets.has(preset.name),
    options: [],
    capabilities: { chat: true, embeddings: preset.embeddings },
    exampleModel: preset.exampleModel,
  };
}

export const PRESET_DESCRIPTORS: Readonly<Record<PresetProviderName, ProviderDescriptor>> = Object.freeze(
  Object.fromEntries(PRESET_NAMES.map((name) => [name, toDescriptor(PRESETS[name] as ProviderPreset & { name: PresetProviderName })])) as Record<
    PresetProviderName,
    ProviderDescriptor
  >,
);
