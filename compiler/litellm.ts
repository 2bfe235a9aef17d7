/**
 * LiteLLM's proxy `config.yaml` (`model_list` / `litellm_params` / `model_info`, `router_settings`,
 * `litellm_settings`, `general_settings`), read as is: translated into gw's own config shape, which
 * then goes through the same validation and compilation as a native config. Every native value
 * remembers the LiteLLM path it came from (`origins`), so gw's diagnostics point into the LiteLLM
 * file. What gw does not use is a warning naming the key and what gw does instead; never a silent
 * drop.
 * @see https://docs.litellm.ai/docs/proxy/configs
 * @see https://docs.litellm.ai/docs/proxy/config_settings
 */
import { createDiagnostic, formatPath, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import type { ProviderName } from "./define-config.ts";
import { resolveFallbacks } from "./fallbacks.ts";

/** A config is LiteLLM's when it has LiteLLM's `model_list` and none of gw's `models`. */
export function isLitellmConfig(config: unknown): config is Record<string, unknown> {
  return isObject(config) && Object.hasOwn(config, "model_list") && !Object.hasOwn(config, "models");
}

/** LiteLLM's top-level keys: in a native config, they earn a hint (validate-schema.ts). */
export const litellmTopLevelKeys: readonly string[] = ["model_list", "router_settings", "litellm_settings", "general_settings", "environment_variables"];

export interface LitellmTranslation {
  /** gw's config shape (not yet validated: validation reports its problems at their LiteLLM place). */
  config: Record<string, unknown>;
  /** LiteLLM-only problems and the settings gw does not use, at their LiteLLM paths. */
  diagnostics: PendingDiagnostic[];
  /** A diagnostic of the translated config, placed at its LiteLLM path and naming it in the message. */
  relabel(diagnostic: PendingDiagnostic): PendingDiagnostic;
}

/** LiteLLM's routing strategies and gw's. */
const strategies: Readonly<Record<string, string>> = {
  "simple-shuffle": "weighted",
  "least-busy": "least-busy",
  "latency-based-routing": "latency",
  "usage-based-routing": "usage",
  "usage-based-routing-v2": "usage",
  "cost-based-routing": "cost",
};

/**
 * A bare model name's provider, as LiteLLM infers it from its model list (gpt-4o, o3, claude-3-opus,
 * command-r, gemini-1.5-pro (Vertex AI, as LiteLLM), mistral-large, text-embedding-3-small).
 */
export function inferProvider(model: string): ProviderName | null {
  const name = model.toLowerCase();
  if (/^(gpt-|chatgpt-|o1|o3|o4|text-embedding-|davinci|babbage|dall-e|whisper|tts-|omni-moderation|text-moderation)/.test(name)) return "openai";
  if (name.startsWith("claude")) return "anthropic";
  if (/^(command|embed-(english|multilingual)|rerank-)/.test(name)) return "cohere";
  if (name.startsWith("gemini") || name.startsWith("text-bison") || name.startsWith("chat-bison")) return "vertex";
  if (/^(mistral|open-mistral|open-mixtral|codestral|pixtral|ministral)/.test(name)) return "mistral";
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const seconds = (value: unknown): number | undefined => (typeof value === "number" && value > 0 ? Math.round(value * 1000) : undefined);

/**
 * LiteLLM's `environment_variables` (top level, or in general_settings) set variables for the
 * config: an "os.environ/NAME" it defines is replaced by its value, as LiteLLM's start-up does (so
 * a secret there is a secret written in the config, and gw's check says so where it is used).
 */
function withEnvironment(source: Record<string, unknown>): Record<string, unknown> {
  const general = source["general_settings"];
  const defined = { ...(isObject(general) && isObject(general["environment_variables"]) ? general["environment_variables"] : {}), ...(isObject(source["environment_variables"]) ? source["environment_variables"] : {}) };
  const names = Object.keys(defined);
  if (names.length === 0) return source;
  const replace = (value: unknown): unknown => {
    if (typeof value === "string" && value.startsWith("os.environ/")) {
      const name = value.slice("os.environ/".length);
      return Object.hasOwn(defined, name) && defined[name] !== null && defined[name] !== undefined ? String(defined[name]) : value;
    }
    if (Array.isArray(value)) return value.map(replace);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    return value;
  };
  return replace(source) as Record<string, unknown>;
}

export function translateLitellm(given: Record<string, unknown>): LitellmTranslation {
  const source = withEnvironment(given);
  const diagnostics: PendingDiagnostic[] = [];
  const origins = new Map<string, JsonPath>();
  const mark = (native: JsonPath, from: JsonPath): void => {
    origins.set(JSON.stringify(native), from);
  };
  const ignored = (path: JsonPath, what: string): void => {
    diagnostics.push(createDiagnostic("litellmIgnored", path, what));
  };
  const invalid = (path: JsonPath, what: string): void => {
    diagnostics.push(createDiagnostic("litellmInvalid", path, what));
  };
  const config: Record<string, unknown> = {};
  mark([], []);

  // ---- model_list: entries with one model_name form one model --------------------------------
  const models: Array<{ name: string; deployments: Array<Record<string, unknown>> }> = [];
  const byName = new Map<string, number>();
  const list = source["model_list"];
  if (!Array.isArray(list)) invalid(["model_list"], "model_list must be a list of {model_name, litellm_params, model_info} entries.");
  (Array.isArray(list) ? list : []).forEach((entry, index) => {
    const at: JsonPath = ["model_list", index];
    if (!isObject(entry)) return invalid(at, `model_list[${index}] must be a mapping with model_name and litellm_params.`);
    const name = entry["model_name"];
    if (typeof name !== "string" || name === "") return invalid([...at, "model_name"], `model_list[${index}] needs a model_name: the name clients send as \`model\`.`);
    const params = entry["litellm_params"];
    if (!isObject(params)) return invalid([...at, "litellm_params"], `model_list[${index}] (${name}) needs litellm_params with at least \`model\`.`);
    let modelIndex = byName.get(name);
    if (modelIndex === undefined) {
      modelIndex = models.length;
      byName.set(name, modelIndex);
      models.push({ name, deployments: [] });
      mark(["models", modelIndex], at);
      mark(["models", modelIndex, "name"], [...at, "model_name"]);
    }
    const model = models[modelIndex]!;
    const deploymentIndex = model.deployments.length;
    const native: JsonPath = ["models", modelIndex, "deployments", deploymentIndex];
    mark(native, at);
    model.deployments.push(translateDeployment(params, entry["model_info"], at, native, mark, ignored));
    for (const key of Object.keys(entry)) {
      if (key !== "model_name" && key !== "litellm_params" && key !== "model_info") ignored([...at, key], `model_list[${index}].${key} is not a LiteLLM setting gw knows; it is ignored.`);
    }
  });
  config["models"] = models;
  mark(["models"], ["model_list"]);

  // ---- router_settings and litellm_settings -------------------------------------------------
  const routing: Record<string, unknown> = {};
  const retries: Record<string, unknown> = {};
  const chains: Record<"fallbacks" | "contextWindowFallbacks" | "contentPolicyFallbacks", Record<string, string[]>> = {
    fallbacks: {},
    contextWindowFallbacks: {},
    contentPolicyFallbacks: {},
  };
  const chainOrigins: Record<string, JsonPath> = {};
  const readChains = (field: keyof typeof chains, value: unknown, at: JsonPath): void => {
    // LiteLLM writes a list of one-key mappings: [{"gpt-4o": ["claude"]}, ...]; a plain mapping is accepted too.
    const entries = Array.isArray(value) ? value : [value];
    entries.forEach((item, position) => {
      const itemAt = Array.isArray(value) ? [...at, position] : at;
      if (!isObject(item)) return invalid(itemAt, `${at.join(".")} must be a list of {model: [fallback models]} mappings.`);
      for (const [from, to] of Object.entries(item)) {
        const targets = Array.isArray(to) ? to : [to];
        chains[field][from] = [...(chains[field][from] ?? []), ...targets.map(String)];
        chainOrigins[JSON.stringify([field, from])] = [...itemAt, from];
      }
    });
  };
  const settings = (section: "router_settings" | "litellm_settings"): void => {
    const block = source[section];
    if (block === undefined || block === null) return;
    if (!isObject(block)) return invalid([section], `${section} must be a mapping.`);
    for (const [key, value] of Object.entries(block)) {
      const at: JsonPath = [section, key];
      switch (key) {
        case "routing_strategy": {
          const strategy = typeof value === "string" ? strategies[value] : undefined;
          if (strategy === undefined) {
            invalid(at, `routing_strategy ${JSON.stringify(value)} is not one of LiteLLM's: ${Object.keys(strategies).join(", ")}.`);
          } else {
            routing["strategy"] = strategy;
            mark(["routing", "strategy"], at);
          }
          break;
        }
        case "num_retries":
          retries["attempts"] = value;
          mark(["retries", "attempts"], at);
          break;
        case "timeout":
        case "request_timeout":
          if (seconds(value) === undefined) invalid(at, `${key} must be a number of seconds above 0.`);
          else {
            config["timeoutMs"] = seconds(value);
            mark(["timeoutMs"], at);
          }
          break;
        case "retry_after":
          if (seconds(value) !== undefined) {
            retries["initialBackoffMs"] = seconds(value);
            mark(["retries", "initialBackoffMs"], at);
          }
          break;
        case "allowed_fails":
          routing["allowedFails"] = value;
          mark(["routing", "allowedFails"], at);
          break;
        case "cooldown_time":
          routing["cooldownSeconds"] = value;
          mark(["routing", "cooldownSeconds"], at);
          break;
        case "fallbacks":
          readChains("fallbacks", value, at);
          break;
        case "context_window_fallbacks":
          readChains("contextWindowFallbacks", value, at);
          break;
        case "content_policy_fallbacks":
          readChains("contentPolicyFallbacks", value, at);
          break;
        case "default_fallbacks":
          if (!Array.isArray(value)) invalid(at, "default_fallbacks must be a list of model names.");
          else defaults = { targets: value.map(String), at };
          break;
        case "model_group_alias":
          if (!isObject(value)) invalid(at, "model_group_alias must be a mapping of alias -> model_name.");
          else {
            const aliases: Record<string, string> = {};
            for (const [alias, target] of Object.entries(value)) {
              // LiteLLM also takes {model, hidden}: gw lists every alias in /v1/models.
              const name = isObject(target) ? target["model"] : target;
              aliases[alias] = String(name);
              mark(["aliases", alias], [...at, alias]);
              if (isObject(target) && target["hidden"] === true) ignored([...at, alias, "hidden"], `model_group_alias.${alias}.hidden: gw lists every alias in /v1/models.`);
            }
            config["aliases"] = aliases;
            mark(["aliases"], at);
          }
          break;
        case "enable_pre_call_checks":
        case "enable_tag_filtering":
        case "drop_params":
          // gw always does these: context windows are checked before each call, tags always filter,
          // and parameters a provider does not take are dropped with an x-gw-warnings header.
          break;
        case "redis_host":
        case "redis_port":
        case "redis_password":
        case "redis_url": {
          // gw serve's --redis-url (or $GW_REDIS_URL) wins over the config's.
          const field = ({ redis_host: "redisHost", redis_port: "redisPort", redis_password: "redisPassword", redis_url: "redisUrl" } as const)[key];
          const services = (config["services"] ??= {}) as Record<string, unknown>;
          services[field] = key === "redis_port" && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
          mark(["services", field], at);
          break;
        }
        case "max_budget":
        case "budget_duration":
          // A spend cap silently dropped would let spend run past it.
          diagnostics.push(
            createDiagnostic(
              "litellmUnsafe",
              at,
              `${section}.${key}: gw has no proxy-wide budget, and serving without it would lift the cap. Give the spending teams or keys their budgets instead (teams[].budget in a gw config, or max_budget through /team/new and /key/generate), then remove ${key}.`,
            ),
          );
          break;
        case "routing_strategy_args":
          ignored(at, "routing_strategy_args: gw's strategies have fixed settings (latency: deployments within 10% of the fastest share the load, 5% of picks probe; usage: within 0.05 of the most headroom share it).");
          break;
        case "callbacks":
        case "success_callback":
        case "failure_callback":
        case "service_callback":
          ignored(at, `${key}: gw calls no logging integrations; it writes one request log line per request (gw serve --log-format json) and a spend ledger (GET /spend/logs).`);
          break;
        case "cache":
        case "cache_params":
          ignored(at, `${key}: gw has no response cache; every request goes to a deployment.`);
          break;
        case "default_team_settings":
          ignored(at, "default_team_settings: gw has no defaults for teams; give each team its budget and models through /team/new or the config's teams.");
          break;
        case "set_verbose":
        case "json_logs":
          ignored(at, `${key}: gw's log format is chosen with gw serve --log-format text|json.`);
          break;
        default:
          ignored(at, `${section}.${key} is not supported by gw and is ignored.`);
      }
    }
  };
  let defaults: { targets: string[]; at: JsonPath } | null = null;
  settings("router_settings");
  settings("litellm_settings");
  // default_fallbacks: the chain of every model without one of its own. LiteLLM tries them one level
  // deep; gw's chains are transitive, so a default that would lead back to the model is left out.
  // (Set inside settings(): TypeScript cannot see the assignment.)
  const found = defaults as { targets: string[]; at: JsonPath } | null;
  if (found !== null) {
    const { targets, at } = found;
    for (const model of models) {
      if (Object.hasOwn(chains.fallbacks, model.name)) continue;
      const chain = targets.filter((target) => target !== model.name && !resolveFallbacks(target, chains.fallbacks).includes(model.name));
      if (chain.length === 0) continue;
      chains.fallbacks[model.name] = chain;
      chainOrigins[JSON.stringify(["fallbacks", model.name])] = at;
    }
  }
  if (Object.keys(routing).length > 0) {
    config["routing"] = routing;
    mark(["routing"], ["router_settings"]);
  }
  if (Object.keys(retries).length > 0) {
    config["retries"] = retries;
    mark(["retries"], ["router_settings"]);
  }
  for (const [field, graph] of Object.entries(chains)) {
    if (Object.keys(graph).length === 0) continue;
    config[field] = graph;
    for (const [from, targets] of Object.entries(graph)) {
      const at = chainOrigins[JSON.stringify([field, from])] ?? [];
      mark([field, from], at);
      targets.forEach((_, position) => mark([field, from, position], at));
    }
  }

  // ---- general_settings ------------------------------------------------------------------------
  const general = source["general_settings"];
  if (isObject(general)) {
    for (const [key, value] of Object.entries(general)) {
      const at: JsonPath = ["general_settings", key];
      if (key === "master_key") {
        config["masterKey"] = value;
        mark(["masterKey"], at);
      } else if (key === "environment_variables") {
        // Read by withEnvironment above.
      } else if (key === "database_url") {
        // gw serve's --postgres-url (or $GW_POSTGRES_URL, $DATABASE_URL) wins over the config's.
        const services = (config["services"] ??= {}) as Record<string, unknown>;
        services["postgresUrl"] = value;
        mark(["services", "postgresUrl"], at);
      } else if (key === "alerting" || key === "alerting_threshold" || key === "alert_types") {
        ignored(at, `general_settings.${key}: gw posts budget alerts (soft budget crossed) as JSON to gw serve --alert-webhook URL; it has no Slack or email alerting.`);
      } else {
        ignored(at, `general_settings.${key} is not supported by gw and is ignored.`);
      }
    }
  } else if (general !== undefined && general !== null) invalid(["general_settings"], "general_settings must be a mapping.");

  for (const key of Object.keys(source)) {
    if (["model_list", "router_settings", "litellm_settings", "general_settings"].includes(key)) continue;
    // environment_variables: read by withEnvironment above.
    if (key !== "environment_variables") ignored([key], `${key} is not a LiteLLM config section gw knows; it is ignored.`);
  }

  const origin = (path: JsonPath): { path: JsonPath; exact: boolean } => {
    for (let length = path.length; length >= 0; length--) {
      const found = origins.get(JSON.stringify(path.slice(0, length)));
      if (found !== undefined) return { path: found, exact: length === path.length };
    }
    return { path: [], exact: false };
  };
  return {
    config,
    diagnostics,
    relabel(diagnostic) {
      const from = origin(diagnostic.path);
      // "models[0].deployments[1].rpmLimit must be…" reads "model_list[3].litellm_params.rpm must be…".
      const message = from.exact && from.path.length > 0 ? diagnostic.message.split(formatPath(diagnostic.path)).join(formatPath(from.path)) : diagnostic.message;
      return { ...diagnostic, path: from.path, message };
    },
  };
}

type Mark = (native: JsonPath, from: JsonPath) => void;
type Report = (path: JsonPath, what: string) => void;

/** One model_list entry's litellm_params and model_info as a gw deployment. */
function translateDeployment(params: Record<string, unknown>, info: unknown, at: JsonPath, native: JsonPath, mark: Mark, ignored: Report): Record<string, unknown> {
  const deployment: Record<string, unknown> = {};
  const paramsAt: JsonPath = [...at, "litellm_params"];
  const set = (field: string, value: unknown, from: JsonPath): void => {
    deployment[field] = value;
    mark([...native, field], from);
  };
  const aws: Record<string, unknown> = {};
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const from: JsonPath = [...paramsAt, key];
    switch (key) {
      case "model": {
        const model = String(value);
        set("model", model, from);
        // A bare name gets its provider as LiteLLM infers it; "provider/model" is read by gw itself.
        if (!model.includes("/")) {
          const provider = inferProvider(model);
          if (provider !== null) set("provider", provider, from);
        }
        break;
      }
      case "api_base":
        set("baseUrl", value, from);
        break;
      case "api_key":
        set("apiKey", value, from);
        break;
      case "api_version":
        set("apiVersion", value, from);
        break;
      case "rpm":
        set("rpmLimit", value, from);
        break;
      case "tpm":
        set("tpmLimit", value, from);
        break;
      case "max_parallel_requests":
        set("maxParallelRequests", value, from);
        break;
      case "weight":
        set("weight", value, from);
        break;
      case "order":
        set("order", value, from);
        break;
      case "tags":
        set("tags", value, from);
        break;
      case "timeout":
        set("timeoutMs", seconds(value) ?? value, from);
        break;
      case "region_name":
      case "aws_region_name":
      case "vertex_location":
        set("region", value, from);
        break;
      case "vertex_project":
        set("project", value, from);
        break;
      case "vertex_credentials":
        set("credentials", value, from);
        break;
      case "aws_access_key_id":
        aws["accessKeyId"] = value;
        mark([...native, "aws", "accessKeyId"], from);
        break;
      case "aws_secret_access_key":
        aws["secretAccessKey"] = value;
        mark([...native, "aws", "secretAccessKey"], from);
        break;
      case "aws_session_token":
        aws["sessionToken"] = value;
        mark([...native, "aws", "sessionToken"], from);
        break;
      case "organization":
        headers["OpenAI-Organization"] = value;
        mark([...native, "headers"], from);
        break;
      case "extra_headers":
      case "headers":
        if (typeof value === "object" && value !== null) Object.assign(headers, value);
        mark([...native, "headers"], from);
        break;
      case "stream_timeout":
        ignored(from, "stream_timeout: gw's timeout (litellm_params.timeout) already bounds the wait for each streamed event, not the whole stream.");
        break;
      case "max_retries":
        ignored(from, "max_retries per deployment: gw retries per model (router_settings.num_retries), each retry on another deployment when there is one.");
        break;
      default:
        ignored(from, `litellm_params.${key} is not supported by gw and is not sent upstream.`);
    }
  }
  if (Object.keys(aws).length > 0) set("aws", aws, paramsAt);
  if (Object.keys(headers).length > 0) deployment["headers"] = headers;
  if (isObject(info)) {
    const infoAt: JsonPath = [...at, "model_info"];
    const input = info["input_cost_per_token"];
    const output = info["output_cost_per_token"];
    for (const [key, value] of Object.entries(info)) {
      const from: JsonPath = [...infoAt, key];
      switch (key) {
        case "id":
          set("name", String(value), from);
          break;
        case "max_input_tokens":
          set("maxInputTokens", value, from);
          break;
        case "input_cost_per_token":
        case "output_cost_per_token":
          break;
        case "mode":
          // gw tells chat from embeddings deployments by their provider and model name.
          if (value !== "chat" && value !== "embedding" && value !== "completion") ignored(from, `model_info.mode ${JSON.stringify(value)}: gw serves chat completions and embeddings only.`);
          break;
        case "base_model":
          ignored(from, "model_info.base_model: gw prices a deployment by its own model; give input_cost_per_token and output_cost_per_token in model_info when the price table does not know it.");
          break;
        default:
          ignored(from, `model_info.${key} is not used by gw.`);
      }
    }
    if (typeof input === "number" || typeof output === "number") {
      const perMillion = (value: unknown): number => (typeof value === "number" ? Math.round(value * 1e6 * 1e9) / 1e9 : 0);
      set("price", { inputPerMTok: perMillion(input), outputPerMTok: perMillion(output) }, [...infoAt, typeof input === "number" ? "input_cost_per_token" : "output_cost_per_token"]);
    }
  }
  // In the order a person writes them (gw import prints them so).
  const ordered: Record<string, unknown> = {};
  for (const key of deploymentFieldOrder) if (Object.hasOwn(deployment, key)) ordered[key] = deployment[key];
  for (const [key, value] of Object.entries(deployment)) if (!Object.hasOwn(ordered, key)) ordered[key] = value;
  return ordered;
}

const deploymentFieldOrder = ["name", "provider", "model", "baseUrl", "apiKey", "apiVersion", "region", "project", "credentials", "aws", "weight", "order", "tags"];
