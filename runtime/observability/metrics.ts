/**
 * Prometheus metrics (GET /metrics), kept by prom-client in a registry of the gateway's own (never
 * the library's global one, so two gateways in one process do not mix).
 *
 * - The OpenTelemetry GenAI metrics in their Prometheus form (dots become underscores, the unit a
 *   suffix): gen_ai_client_token_usage (by gen_ai_token_type), gen_ai_client_operation_duration_seconds,
 *   gen_ai_server_time_to_first_token_seconds, gen_ai_server_time_per_output_token_seconds, with
 *   gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, gen_ai_response_model and
 *   error_type, on the semantic conventions' bucket boundaries.
 * - gw's own, prefixed gw_: requests by path, status, model, deployment and team; spend in USD by
 *   team, key and model; tokens; attempts, retries, fallbacks and cooldowns per deployment; requests
 *   in flight; rate-limit and budget refusals. Read when scraped (no work per request): deployment
 *   health, the spend store's queue and spool, whether limits are cluster-wide, build info.
 * - Labels are bounded: models, deployments, teams and key aliases come from the config or the
 *   admin API, never from a request (a model gw does not serve is counted as ""); a key is named by
 *   its alias, else its hash prefix.
 * Everything recorded per request is a handful of counter and histogram updates, in logRequest.
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { GatewayError } from "../http/errors.ts";
import type { TokenUsage } from "../http/openai-types.ts";
import type { DeploymentHealth } from "../routing/deployment-health.ts";
import { planDeployments } from "../routing/deployment-states.ts";
import type { RuntimePlan } from "../start/plan.ts";

/** What a finished request says, as logRequest knows it. */
export interface MeteredRequest {
  path: string;
  status: number;
  /** The model the request asked for, when gw serves it; null when it never reached a route. */
  requestModel: string | null;
  /** The route that answered (a fallback's, after one). */
  routeModel: string | null;
  deployment: string | null;
  provider: string | null;
  /** The deployment's upstream model id. */
  responseModel: string | null;
  team: string | null;
  /** The key's alias, else its hash prefix; null for the master key or an open gateway. */
  key: string | null;
  usage: TokenUsage | null;
  costUsd: number | null;
  attempts: number;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  stream: boolean;
  error: GatewayError | null;
}

export interface DeploymentGauges {
  id: string;
  provider: string;
  coolingDown: boolean;
  inFlight: number;
}

/** Read when scraped. */
export interface ScrapeSources {
  deployments?: () => readonly DeploymentGauges[];
  spendQueue?: () => { pending: number; spooled: number; reachable: boolean } | null;
  limitsClusterWide?: () => boolean;
}

export interface GatewayMetrics {
  readonly contentType: string;
  began(): void;
  finished(request: MeteredRequest): void;
  /** An endpoint that is not priced (models, count_tokens, the admin API...). */
  unpriced(path: string, status: number): void;
  attempt(deployment: string, outcome: "success" | "deployment_error" | "request_error"): void;
  cooldown(deployment: string): void;
  scrape(): Promise<string>;
}

// The semantic conventions' advisory bucket boundaries.
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const firstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
const perTokenBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];

/** gw's provider names as the GenAI conventions' gen_ai.provider.name values (others as they are). */
const genAiProviders: Readonly<Record<string, string>> = {
  openai: "openai",
  azure: "azure.ai.openai",
  anthropic: "anthropic",
  bedrock: "aws.bedrock",
  gemini: "gcp.gemini",
  vertex: "gcp.vertex_ai",
  cohere: "cohere",
  mistral: "mistral_ai",
  deepseek: "deepseek",
  groq: "groq",
  xai: "x_ai",
  perplexity: "perplexity",
  watsonx: "ibm.watsonx.ai",
};

/** gen_ai.operation.name by gw path. */
function operationOf(path: string): string {
  if (path.endsWith("/embeddings")) return "embeddings";
  if (path.endsWith("/completions") && !path.endsWith("/chat/completions")) return "text_completion";
  return "chat";
}

export function createGatewayMetrics(plan: RuntimePlan, version: string, sources: ScrapeSources = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const genAi = ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model"] as const;

  const tokenUsage = new Histogram({
    name: "gen_ai_client_token_usage",
    help: "Tokens used per request (gen_ai.client.token.usage), by gen_ai_token_type: input (cached included) or output (reasoning included).",
    labelNames: [...genAi, "gen_ai_token_type"],
    buckets: tokenBuckets,
    registers,
  });
  const duration = new Histogram({
    name: "gen_ai_client_operation_duration_seconds",
    help: "Duration of a request through gw, upstream attempts included (gen_ai.client.operation.duration).",
    labelNames: [...genAi, "error_type"],
    buckets: durationBuckets,
    registers,
  });
  const firstToken = new Histogram({
    name: "gen_ai_server_time_to_first_token_seconds",
    help: "Time from the request's arrival to the first chunk sent to the client, streams only (gen_ai.server.time_to_first_token).",
    labelNames: genAi,
    buckets: firstTokenBuckets,
    registers,
  });
  const perToken = new Histogram({
    name: "gen_ai_server_time_per_output_token_seconds",
    help: "Time per output token after the first, streams only (gen_ai.server.time_per_output_token).",
    labelNames: genAi,
    buckets: perTokenBuckets,
    registers,
  });
  const requests = new Counter({
    name: "gw_requests_total",
    help: "Requests answered, by path pattern, status, model asked for, deployment that answered and team.",
    labelNames: ["path", "status", "model", "deployment", "team"],
    registers,
  });
  const spend = new Counter({ name: "gw_spend_usd_total", help: "Spend in USD as recorded in the ledger, by team, key (alias or hash prefix) and model.", labelNames: ["team", "key", "model"], registers });
  const tokens = new Counter({ name: "gw_tokens_total", help: "Tokens by model, team and type (input, output, cache_read, cache_write, reasoning).", labelNames: ["model", "team", "type"], registers });
  const inFlight = new Gauge({ name: "gw_requests_in_flight", help: "Priced requests being served (streams until they end).", registers });
  const attempts = new Counter({
    name: "gw_deployment_attempts_total",
    help: "Upstream attempts by deployment and outcome: success, deployment_error (counts toward cooldown), request_error.",
    labelNames: ["deployment", "outcome"],
    registers,
  });
  const retries = new Counter({ name: "gw_retries_total", help: "Attempts beyond the first, by the model asked for.", labelNames: ["model"], registers });
  const fallbacks = new Counter({ name: "gw_fallbacks_total", help: "Requests answered (or failed) by a fallback model, by the model asked for and the fallback.", labelNames: ["model", "fallback"], registers });
  const cooldowns = new Counter({ name: "gw_deployment_cooldowns_total", help: "Times a deployment was put in cooldown by this process.", labelNames: ["deployment"], registers });
  const refusals = new Counter({ name: "gw_refusals_total", help: "Requests refused by gw's governance, by reason: rate_limit or budget.", labelNames: ["reason", "team"], registers });
  const deploymentNames = ["deployment", "provider"] as const;
  const cooling = new Gauge({ name: "gw_deployment_cooling_down", help: "1 while a deployment is in cooldown (routed around), else 0.", labelNames: deploymentNames, registers });
  const deploymentInFlight = new Gauge({ name: "gw_deployment_in_flight", help: "Attempts in flight on a deployment.", labelNames: deploymentNames, registers });
  const spendPending = new Gauge({ name: "gw_spend_queue_rows", help: "Ledger rows queued in memory, not yet written.", registers });
  const spendSpooled = new Gauge({ name: "gw_spend_spool_rows", help: "Ledger rows in the disk spool, waiting for Postgres.", registers });
  const storeReachable = new Gauge({ name: "gw_spend_store_reachable", help: "1 when the spend store takes writes, 0 while it is unreachable (rows spool).", registers });
  const clusterWide = new Gauge({ name: "gw_limits_cluster_wide", help: "1 when rate limits and budgets are shared through Redis, 0 when each process counts alone (no Redis, or Redis unreachable).", registers });
  const build = new Gauge({ name: "gw_build_info", help: "1, labelled with gw's version and the loaded bundle's hash.", labelNames: ["version", "bundle_hash"], registers });
  build.set({ version, bundle_hash: plan.bundleHash }, 1);

  // Pre-register each deployment's series so a scrape shows every deployment from the start.
  for (const { target } of planDeployments(plan)) attempts.inc({ deployment: target.deployment.id, outcome: "success" }, 0);

  const scrapeGauges = (): void => {
    if (sources.deployments !== undefined) {
      for (const deployment of sources.deployments()) {
        const labels = { deployment: deployment.id, provider: deployment.provider };
        cooling.set(labels, deployment.coolingDown ? 1 : 0);
        deploymentInFlight.set(labels, deployment.inFlight);
      }
    }
    const queue = sources.spendQueue?.() ?? null;
    if (queue !== null) {
      spendPending.set(queue.pending);
      spendSpooled.set(queue.spooled);
      storeReachable.set(queue.reachable ? 1 : 0);
    }
    if (sources.limitsClusterWide !== undefined) clusterWide.set(sources.limitsClusterWide() ? 1 : 0);
  };

  return {
    contentType: registry.contentType,
    began: () => inFlight.inc(),
    finished(request) {
      inFlight.dec();
      const model = request.requestModel ?? "";
      const team = request.team ?? "";
      requests.inc({ path: request.path, status: String(request.status), model, deployment: request.deployment ?? "", team });
      const code = request.error?.code;
      // gw's own refusals come before any attempt; an upstream's 429 is an attempt's outcome.
      if (request.attempts === 0 && (code === "rate_limit_exceeded" || code === "budget_exceeded")) refusals.inc({ reason: code === "budget_exceeded" ? "budget" : "rate_limit", team });
      if (request.deployment === null) return;
      if (request.attempts > 1) retries.inc({ model }, request.attempts - 1);
      if (request.routeModel !== null && request.routeModel !== model) fallbacks.inc({ model, fallback: request.routeModel });
      const labels = {
        gen_ai_operation_name: operationOf(request.path),
        gen_ai_provider_name: genAiProviders[request.provider ?? ""] ?? request.provider ?? "",
        gen_ai_request_model: model,
        gen_ai_response_model: request.responseModel ?? "",
      };
      duration.observe({ ...labels, error_type: request.error === null ? "" : request.error.type }, request.latencyMs / 1000);
      const usage = request.usage;
      if (usage !== null) {
        const input = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
        tokenUsage.observe({ ...labels, gen_ai_token_type: "input" }, input);
        tokenUsage.observe({ ...labels, gen_ai_token_type: "output" }, usage.outputTokens);
        tokens.inc({ model, team, type: "input" }, usage.inputTokens);
        tokens.inc({ model, team, type: "output" }, usage.outputTokens);
        if (usage.cacheReadTokens > 0) tokens.inc({ model, team, type: "cache_read" }, usage.cacheReadTokens);
        if (usage.cacheWriteTokens > 0) tokens.inc({ model, team, type: "cache_write" }, usage.cacheWriteTokens);
        if (usage.reasoningTokens > 0) tokens.inc({ model, team, type: "reasoning" }, usage.reasoningTokens);
      }
      if (request.costUsd !== null && request.costUsd > 0) spend.inc({ team, key: request.key ?? "", model }, request.costUsd);
      if (request.stream && request.timeToFirstTokenMs !== null) {
        firstToken.observe(labels, request.timeToFirstTokenMs / 1000);
        const after = (usage?.outputTokens ?? 0) - 1;
        if (after > 0) perToken.observe(labels, Math.max(0, request.latencyMs - request.timeToFirstTokenMs) / 1000 / after);
      }
    },
    unpriced(path, status) {
      requests.inc({ path, status: String(status), model: "", deployment: "", team: "" });
    },
    attempt(deployment, outcome) {
      attempts.inc({ deployment, outcome });
    },
    cooldown(deployment) {
      cooldowns.inc({ deployment });
    },
    async scrape() {
      scrapeGauges();
      return registry.metrics();
    },
  };
}

/**
 * The deployment health the executor reports every attempt to, also counting attempts by outcome and
 * the cooldowns this process starts: the metrics see each attempt without a hook in the executor.
 */
export function meteredHealth(health: DeploymentHealth, metrics: GatewayMetrics): DeploymentHealth {
  return {
    ...health,
    succeeded(deploymentId, latencyMs, now, stream, outputTokens) {
      metrics.attempt(deploymentId, "success");
      health.succeeded(deploymentId, latencyMs, now, stream, outputTokens);
    },
    failed(deploymentId, report, policy, now) {
      metrics.attempt(deploymentId, report.retryable ? "deployment_error" : "request_error");
      const before = health.coolingUntil(deploymentId, now);
      health.failed(deploymentId, report, policy, now);
      if (health.coolingUntil(deploymentId, now) > before) metrics.cooldown(deploymentId);
    },
  };
}
