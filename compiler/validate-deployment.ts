import { PRESETS, isPresetName } from "../runtime/providers/preset-descriptors.ts";
import type { ProviderName } from "./define-config.ts";
import { createDiagnostic, formatPath, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import { MODEL_PREFIXES, providerForPrefix, redundantPrefix, resolveDeploymentTarget } from "./model-string.ts";
import { builtInPrice } from "./prices.ts";
import {
  AWS_ENV,
  PROVIDER_OPTIONS,
  VERTEX_SERVICE_ACCOUNT_ENV,
  defaultApiKey,
  exampleModelOf,
  isFreeProvider,
  priceProviderOf,
  requiresBaseUrl,
  supportsOption,
  type ProviderOption,
} from "./providers.ts";
import { asObject, asString, checkSecret, type Json, type SemanticContext } from "./semantic-context.ts";
import { didYouMean } from "./suggest.ts";
import { countStars } from "../contract/wildcard.ts";

/**
 * Semantic checks of one deployment: which provider and upstream model it names (LiteLLM
 * shorthand included), where a "*" may stand, the provider-specific options, secrets and
 * headers, and whether its price is known. Reads half-valid data through type guards and
 * skips whatever failed the schema, like every semantic check.
 */

export interface DeploymentScope {
  path: JsonPath;
  /** `deployment "<id>"`, or its path when it has no id. */
  label: string;
  /** Whether the model it serves is a wildcard ("anthropic/*"); undefined when its name is invalid. */
  wildcard: boolean | undefined;
  valid: (path: JsonPath) => boolean;
  context: SemanticContext;
  diagnostics: PendingDiagnostic[];
}

export function checkDeployment(deployment: Json, scope: DeploymentScope): void {
  const target = checkTarget(deployment, scope);
  checkSecret(
    deployment["apiKey"],
    [...scope.path, "apiKey"],
    scope.valid,
    scope.context,
    scope.diagnostics,
    "deployment",
    target === undefined ? undefined : defaultApiKey(target.provider, {})?.env,
  );
  checkHeaders(deployment, target?.provider, scope);
  if (target === undefined) return;
  checkOptions(deployment, target.provider, scope);
  checkPrice(deployment, target, scope);
}

/** The provider and upstream model, or undefined when they are unknown (an error was reported, here or by the schema). */
function checkTarget(deployment: Json, scope: DeploymentScope): { provider: ProviderName; model: string } | undefined {
  const { path, valid, diagnostics, label } = scope;
  const provider = deployment["provider"];
  const model = asString(deployment["model"]);
  if (model === undefined || !valid([...path, "model"])) return undefined;
  if (provider !== undefined && (typeof provider !== "string" || !valid([...path, "provider"]))) return undefined;
  const modelPath: JsonPath = [...path, "model"];
  const target = resolveDeploymentTarget(provider, model);
  switch (target.kind) {
    case "unknownProvider":
      return undefined;
    case "noProvider": {
      const slash = model.indexOf("/");
      const example = slash > 0 ? exampleModel(model.slice(0, slash)) : undefined;
      const message =
        slash > 0
          ? `${label} writes model "${model}" with nothing after the provider prefix: write "${model}<model>"` +
            `${example === undefined ? "" : `, e.g. "${model}${example}"`}.`
          : `${label} has no provider: add provider (e.g. provider: "openai"), or write the model LiteLLM-style ` +
            `as "provider/model", e.g. "openai/${model}".`;
      diagnostics.push(createDiagnostic("missingProvider", modelPath, message));
      return undefined;
    }
    case "unknownPrefix":
      diagnostics.push(
        createDiagnostic(
          "unknownModelPrefix",
          modelPath,
          `${label} has no provider, and "${target.prefix}/" at the start of model "${model}" is not a provider prefix gw knows.` +
            `${didYouMean(target.prefix, MODEL_PREFIXES)} If "${target.prefix}/" is part of the upstream model name, give provider ` +
            `explicitly: the model is then taken literally. Known prefixes: ${MODEL_PREFIXES.join(", ")}.`,
        ),
      );
      return undefined;
    case "resolved":
      break;
  }
  // A custom baseUrl (a proxy, a self-hosted server) may well name models "openai/gpt-oss-20b".
  if (target.prefix === null && deployment["baseUrl"] === undefined) {
    const repeated = redundantPrefix(target.provider, target.model);
    if (repeated !== undefined) {
      diagnostics.push(
        createDiagnostic(
          "redundantModelPrefix",
          modelPath,
          `${label} gives provider "${target.provider}" and model "${model}": with provider given, the model is sent ` +
            `upstream as written, "${repeated}/" included. Remove the "${repeated}/" prefix, or remove provider to use the ` +
            `"provider/model" shorthand.`,
        ),
      );
    }
  }
  const stars = countStars(target.model);
  if (stars > 0 && scope.wildcard === false) {
    diagnostics.push(
      createDiagnostic(
        "misplacedWildcard",
        modelPath,
        `${label} has "*" in model "${model}", but "*" only stands for the requested model in a wildcard model ` +
          `(a public name ending in "/*", such as "anthropic/*"). Name the upstream model, or make this model a wildcard.`,
      ),
    );
  } else if (stars > 1) {
    diagnostics.push(
      createDiagnostic(
        "misplacedWildcard",
        modelPath,
        `${label} has ${stars} "*" in model "${model}": one "*" stands for the requested model; write it once.`,
      ),
    );
  }
  return { provider: target.provider, model: target.model };
}

function exampleModel(prefix: string): string | undefined {
  const provider = providerForPrefix(prefix);
  if (provider === undefined) return undefined;
  return exampleModelOf(provider);
}

const OPTION_PROVIDER_NAMES: Record<ProviderOption, string> = {
  apiVersion: "Azure OpenAI",
  region: "Bedrock and Vertex AI",
  project: "Vertex AI",
  credentials: "Vertex AI and Azure OpenAI",
  aws: "Bedrock",
};

function checkOptions(deployment: Json, provider: ProviderName, scope: DeploymentScope): void {
  const { path, valid, diagnostics, label, context } = scope;
  const present = (name: string): boolean => deployment[name] !== undefined && valid([...path, name]);
  for (const option of Object.keys(PROVIDER_OPTIONS) as ProviderOption[]) {
    if (!present(option) || supportsOption(provider, option)) continue;
    diagnostics.push(
      createDiagnostic(
        "unsupportedOption",
        [...path, option],
        `${label} uses provider "${provider}", which does not take ${option} (only ${OPTION_PROVIDER_NAMES[option]} ` +
          `deployments do). Remove it, or check the provider.`,
      ),
    );
  }
  const anchor: JsonPath = [...path, deployment["provider"] === undefined ? "model" : "provider"];
  if (requiresBaseUrl(provider) && deployment["baseUrl"] === undefined) {
    const form = provider === "azure" ? "https://<resource>.openai.azure.com" : isPresetName(provider) ? PRESETS[provider].baseUrl : "";
    diagnostics.push(
      createDiagnostic(
        "missingBaseUrl",
        anchor,
        `${label} uses provider "${provider}", which has no public endpoint: every account has its own. Add baseUrl, ` +
          `in the form "${form}".`,
      ),
    );
  }
  if (provider === "vertex") {
    const missing = ["project", "region"].filter((name) => deployment[name] === undefined);
    if (missing.length > 0) {
      diagnostics.push(
        createDiagnostic(
          "vertexLocation",
          anchor,
          `${label} uses Vertex AI, whose endpoints are per Google Cloud project and location: add ` +
            `${missing.map((name) => (name === "project" ? 'project: "<your-project-id>"' : 'region: "us-central1"')).join(" and ")}.`,
        ),
      );
    }
    checkSecret(deployment["credentials"], [...path, "credentials"], valid, context, diagnostics, "deployment", VERTEX_SERVICE_ACCOUNT_ENV);
  }
  if (provider === "azure") {
    checkSecret(deployment["credentials"], [...path, "credentials"], valid, context, diagnostics, "deployment", "AZURE_ENTRA_TOKEN");
  }
  if (provider === "bedrock") {
    if (deployment["region"] === undefined) {
      diagnostics.push(
        createDiagnostic(
          "bedrockRegionFromEnvironment",
          anchor,
          `${label} uses Bedrock without region: it will read ${AWS_ENV.region} when gw serve starts, and refuse to start ` +
            `without it. Add region (e.g. region: "us-east-1") to fix the region in the config.`,
        ),
      );
    }
    const aws = asObject(deployment["aws"]);
    if (aws !== undefined && valid([...path, "aws"])) {
      for (const name of ["accessKeyId", "secretAccessKey", "sessionToken"] as const) {
        checkSecret(aws[name], [...path, "aws", name], valid, context, diagnostics, "deployment", AWS_ENV[name]);
      }
    }
  }
}

/** Headers fetch computes itself, or that would break the JSON request gw sends. */
const RESERVED_HEADERS = new Set(["host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"]);
/** Headers the provider's request signing or token exchange sets last, so a configured value would be replaced. */
const SIGNED_HEADERS: Partial<Record<ProviderName, readonly string[]>> = {
  bedrock: ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"],
  vertex: ["authorization"],
};
/** A header whose literal value is probably a secret. */
const SENSITIVE_HEADER = /auth|key|token|secret|password|cookie/i;

function checkHeaders(deployment: Json, provider: ProviderName | undefined, scope: DeploymentScope): void {
  const { path, valid, diagnostics, label, context } = scope;
  const headers = asObject(deployment["headers"]);
  if (headers === undefined || !valid([...path, "headers"])) return;
  const seen = new Map<string, string>();
  const signed = provider === undefined ? [] : (SIGNED_HEADERS[provider] ?? []);
  for (const [name, value] of Object.entries(headers)) {
    const headerPath: JsonPath = [...path, "headers", name];
    if (!valid(headerPath)) continue;
    const lower = name.toLowerCase();
    const first = seen.get(lower);
    let problem: string | undefined;
    if (first !== undefined) {
      problem = `sets header "${name}" twice (also as "${first}"); header names are case-insensitive. Keep one.`;
    } else if (RESERVED_HEADERS.has(lower)) {
      problem = `sets header "${name}", which gw and the HTTP client set themselves. Remove it.`;
    } else if (signed.includes(lower)) {
      problem = `sets header "${name}", which ${provider === "bedrock" ? "Bedrock's SigV4 signing" : "Vertex AI's OAuth token"} replaces on every request. Remove it.`;
    }
    seen.set(lower, first ?? name);
    if (problem !== undefined) {
      diagnostics.push(createDiagnostic("invalidHeader", headerPath, `${label} ${problem}`));
      continue;
    }
    if (SENSITIVE_HEADER.test(name)) {
      const suggested = `${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "")}` || "HEADER_VALUE";
      checkSecret(value, headerPath, valid, context, diagnostics, "deployment", /^[0-9]/.test(suggested) ? `H_${suggested}` : suggested);
    }
  }
}

function checkPrice(deployment: Json, target: { provider: ProviderName; model: string }, scope: DeploymentScope): void {
  const { provider, model } = target;
  if (deployment["price"] !== undefined || isFreeProvider(provider)) return;
  const addPrice = "Add price: { inputPerMTok: <USD>, outputPerMTok: <USD> } (USD per million tokens) to the deployment";
  let message: string | undefined;
  if (priceProviderOf(provider) === null) {
    message =
      `gw has no built-in prices for provider "${provider}" (${scope.label}, model "${model}"): its requests will be ` +
      `recorded with cost 0 and will not count against budgets. ${addPrice}.`;
  } else if (!model.includes("*") && builtInPrice(provider, model) === null) {
    message =
      `No built-in price for ${provider} model "${model}" (${scope.label}): its requests will be recorded with cost 0 ` +
      `and will not count against budgets. ${addPrice}, or check the model name.`;
  }
  if (message !== undefined) scope.diagnostics.push(createDiagnostic("missingPrice", [...scope.path, "model"], message));
}

export function deploymentLabel(id: string | undefined, path: JsonPath): string {
  return id === undefined ? formatPath(path) : `deployment "${id}"`;
}
