/**
 * Test doubles for the runtime's unit tests: a minimal ProviderAdapter ("fake") with a
 * simple wire format, a scriptable fake fetch, and a bundle builder. They depend only on
 * the contracts (providers/types.ts, bundle.ts), not on the real adapters.
 *
 * Fake wire format:
 * - request: POST {baseUrl}/chat, JSON `{model, messages, stream}`;
 * - response: `{text, input, output}` (tokens);
 * - stream: SSE `data: {"text": "..."}` events, `data: {"input": n, "output": n}` usage,
 *   `data: {"error": {"status": n, "message": "..."}}` for an in-stream error, `data: [DONE]`;
 * - embeddings: POST {baseUrl}/embed, JSON `{model, input}` (input as the client sent it) ->
 *   `{vectors: number[][], tokens: n}`.
 * Provider "fake" has embeddings; provider "fake-chat" is the same adapter without them.
 */
import type { Bundle, CompiledDeployment, CompiledRoute, CompiledTeam, KeyRef, SecretRef } from "../../contract/bundle.ts";
import { badUpstreamResponse, GatewayError, parseRetryAfter } from "../http/errors.ts";
import type { ChatCompletionChunk, TokenUsage } from "../http/openai-types.ts";
import type { EmbeddingsAdapter, ProviderAdapter, StreamConverter } from "../providers/types.ts";

export const fakeBaseUrl = "http://fake.invalid";

interface FakeStreamEvent {
  text?: string;
  input?: number;
  output?: number;
  error?: { status: number; message: string };
}

function usageOf(input: number, output: number): TokenUsage {
  return { inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

const fakeEmbeddings: EmbeddingsAdapter = {
  buildRequests(request, deployment) {
    return {
      upstream: [
        {
          url: `${deployment.baseUrl}/embed`,
          method: "POST",
          headers: { "content-type": "application/json", ...(deployment.apiKey ? { authorization: `Bearer ${deployment.apiKey}` } : {}) },
          body: JSON.stringify({ model: deployment.model, input: request.input }),
        },
      ],
      warnings: request.user !== undefined ? ["user is not supported by fake and was dropped"] : [],
    };
  },
  convertResponses(bodies, _request, context) {
    const value = bodies[0] as { vectors?: unknown; tokens?: unknown } | undefined;
    if (!Array.isArray(value?.vectors) || typeof value.tokens !== "number") throw badUpstreamResponse("fake", "unexpected embeddings shape");
    return {
      response: {
        object: "list",
        data: (value.vectors as number[][]).map((embedding, index) => ({ object: "embedding", index, embedding })),
        model: context.publicModel,
        usage: { prompt_tokens: value.tokens, total_tokens: value.tokens },
      },
      usage: usageOf(value.tokens, 0),
    };
  },
};

export const fakeAdapter: ProviderAdapter = {
  embeddings: fakeEmbeddings,
  name: "fake",
  defaultBaseUrl: fakeBaseUrl,
  streamFormat: "sse",
  buildRequest(request, deployment, stream) {
    const warnings = request.logit_bias !== undefined ? ["logit_bias is not supported by fake and was dropped"] : [];
    return {
      upstream: {
        url: `${deployment.baseUrl}/chat`,
        method: "POST",
        headers: { "content-type": "application/json", ...(deployment.apiKey ? { authorization: `Bearer ${deployment.apiKey}` } : {}) },
        body: JSON.stringify({ model: deployment.model, messages: request.messages, stream }),
      },
      warnings,
    };
  },
  convertResponse(body, context) {
    const value = body as { text?: unknown; input?: unknown; output?: unknown };
    if (typeof value.text !== "string" || typeof value.input !== "number" || typeof value.output !== "number") {
      throw new GatewayError({ status: 502, type: "upstream_error", code: "bad_upstream_response", message: "fake: unexpected shape" });
    }
    return {
      completion: {
        id: `chatcmpl-${context.requestId}`,
        object: "chat.completion",
        created: context.created,
        model: context.publicModel,
        choices: [{ index: 0, message: { role: "assistant", content: value.text, refusal: null }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: value.input, completion_tokens: value.output, total_tokens: value.input + value.output },
      },
      usage: usageOf(value.input, value.output),
    };
  },
  createStreamConverter(context): StreamConverter {
    let usage: TokenUsage | undefined;
    let done = false;
    const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: "stop" | null = null): ChatCompletionChunk => ({
      id: `chatcmpl-${context.requestId}`,
      object: "chat.completion.chunk",
      created: context.created,
      model: context.publicModel,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return {
      push(event) {
        if (event.data === "[DONE]") {
          done = true;
          return [chunk({}, "stop")];
        }
        const value = JSON.parse(event.data) as FakeStreamEvent;
        if (value.error) throw new GatewayError({ status: value.error.status, type: "api_error", message: value.error.message });
        if (value.input !== undefined) {
          usage = usageOf(value.input, value.output ?? 0);
          return [];
        }
        return [chunk({ content: value.text ?? "" })];
      },
      end() {
        if (!done) throw new GatewayError({ status: 502, type: "upstream_error", code: "stream_truncated", message: "fake: stream ended early" });
        return [];
      },
      usage: () => usage,
    };
  },
  mapError(status, body, headers) {
    return new GatewayError({
      status,
      type: status === 429 ? "rate_limit_error" : status >= 500 ? "upstream_error" : "invalid_request_error",
      message: `fake upstream answered ${status}: ${body}`,
      retryAfterMs: parseRetryAfter(headers.get("retry-after")),
    });
  },
};

const { embeddings: _embeddings, ...chatOnly } = fakeAdapter;
/** The fake adapter without embeddings (provider "fake-chat"). */
export const fakeChatOnlyAdapter: ProviderAdapter = { ...chatOnly, name: "fake-chat" };

export const getFakeProvider = (name: string): ProviderAdapter | undefined =>
  name === "fake" ? fakeAdapter : name === "fake-chat" ? fakeChatOnlyAdapter : undefined;

/** One call the fake fetch received. */
export interface FakeCall {
  url: string;
  /** Upstream model name from the request body. */
  model: string;
  headers: Record<string, string>;
  stream: boolean;
  signal: AbortSignal | undefined;
  /** The parsed request body. */
  body: Record<string, unknown>;
}

export type FakeHandler = (call: FakeCall) => Response | Promise<Response>;

/**
 * A fetch that answers with `handlers[upstreamModel]` (called in turn when given an array:
 * the last one repeats). A handler may throw to simulate a connection failure.
 */
export function createFakeFetch(handlers: Record<string, FakeHandler | FakeHandler[]>): {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: FakeCall[];
} {
  const calls: FakeCall[] = [];
  const counts = new Map<string, number>();
  return {
    calls,
    async fetch(url, init) {
      const body = JSON.parse(String(init.body)) as { model: string; stream?: boolean };
      const call: FakeCall = {
        url,
        model: body.model,
        headers: init.headers as Record<string, string>,
        stream: body.stream === true,
        signal: init.signal ?? undefined,
        body,
      };
      calls.push(call);
      const entry = handlers[body.model];
      if (entry === undefined) throw new TypeError("fetch failed");
      const count = counts.get(body.model) ?? 0;
      counts.set(body.model, count + 1);
      const handler = Array.isArray(entry) ? (entry[Math.min(count, entry.length - 1)] as FakeHandler) : entry;
      return handler(call);
    },
  };
}

export const answer =
  (text: string, input = 10, output = 5): FakeHandler =>
  () =>
    Response.json({ text, input, output });

/** An embeddings answer: one vector per input (`dimensions` floats each), `tokens` input tokens. */
export const embedWith =
  (tokens: number, dimensions = 3): FakeHandler =>
  (call) => {
    const input = call.body.input;
    const count = Array.isArray(input) && input.length > 0 && typeof input[0] !== "number" ? input.length : 1;
    const vectors = Array.from({ length: count }, (_, index) => Array.from({ length: dimensions }, (_, dimension) => index + dimension / 10));
    return Response.json({ vectors, tokens });
  };

export const failWith =
  (status: number, headers: Record<string, string> = {}): FakeHandler =>
  () =>
    new Response(`failure ${status}`, { status, headers });

/** A connection failure, as fetch reports it. */
export const refuse: FakeHandler = () => {
  throw Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
};

/** Never answers; rejects when the attempt's signal aborts (timeout or client gone). */
export const hang: FakeHandler = (call) =>
  new Promise((_resolve, reject) => {
    call.signal?.addEventListener("abort", () => reject(call.signal?.reason), { once: true });
  });

const encoder = new TextEncoder();

/**
 * An SSE response from a list of steps: a string is sent as one `data:` event; `{ fail }`
 * makes the body error there (a connection cut mid-stream); `{ waitForAbort: true }` stalls
 * until the request is aborted.
 */
export function sseResponse(call: FakeCall, steps: Array<string | { fail: true } | { waitForAbort: true }>): Response {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = steps[index++];
      if (step === undefined) {
        controller.close();
        return;
      }
      if (typeof step === "string") {
        controller.enqueue(encoder.encode(`data: ${step}\n\n`));
      } else if ("fail" in step) {
        controller.error(new TypeError("terminated"));
      } else {
        await new Promise<void>((resolve) => {
          if (call.signal?.aborted) return resolve();
          call.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        controller.error(call.signal?.reason);
      }
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}

export const streamOf =
  (steps: Array<string | { fail: true } | { waitForAbort: true }>): FakeHandler =>
  (call) =>
    sseResponse(call, steps);

// ---- bundles -------------------------------------------------------------------------

export interface FakeDeployment {
  model: string;
  weight?: number;
  timeoutMs?: number;
  priced?: boolean;
  /** "fake" (default) or "fake-chat" (no embeddings), or any name the test's provider lookup knows. */
  provider?: string;
  baseUrl?: string | null;
  apiKey?: SecretRef | null;
  secrets?: Record<string, SecretRef>;
  headers?: Record<string, SecretRef>;
  options?: CompiledDeployment["options"];
  priceProvider?: string | null;
  maxInputTokens?: number;
  baseUrlEnv?: string;
}

export interface FakeModel {
  /** A name ending in "*" is a wildcard route ("fake/*"). */
  name: string;
  /** Upstream model names (one deployment each); weights default to equal. */
  deployments: Array<string | FakeDeployment>;
  fallbacks?: string[];
  retries?: number;
  sameModelFallback?: boolean;
  contextWindowFallbacks?: string[];
  contentPolicyFallbacks?: string[];
}

export interface FakeBundleOptions {
  models: FakeModel[];
  masterKey?: KeyRef | null;
  teams?: CompiledTeam[];
  keys?: Array<{ name: string; team: string; key: KeyRef }>;
  /** USD per million tokens for every priced deployment. */
  price?: { input: number; output: number };
}

/** A bundle with "fake" deployments: `<model-name>/<index>` ids, baseUrl null (the adapter default). */
export function createFakeBundle(options: FakeBundleOptions): Bundle {
  const routes: Record<string, CompiledRoute> = {};
  const price = options.price ?? { input: 1, output: 2 };
  for (const model of options.models) {
    const specs: FakeDeployment[] = model.deployments.map((spec) => (typeof spec === "string" ? { model: spec } : spec));
    const weights = specs.map((spec) => spec.weight ?? 1);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let running = 0;
    const cumulativeWeights = weights.map((weight, index) => {
      running += weight;
      return index === weights.length - 1 ? 1 : running / total;
    });
    const deployments: CompiledDeployment[] = specs.map((spec, index) => ({
      id: `${model.name}/${index}`,
      provider: spec.provider ?? "fake",
      model: spec.model,
      baseUrl: spec.baseUrl ?? null,
      apiKey: spec.apiKey === undefined ? { env: "FAKE_API_KEY" } : spec.apiKey,
      secrets: spec.secrets ?? {},
      headers: spec.headers ?? {},
      options: spec.options ?? {},
      timeoutMs: spec.timeoutMs ?? 5_000,
      price:
        spec.priced === false
          ? null
          : { inputPerMTok: price.input, outputPerMTok: price.output, cacheReadPerMTok: price.input / 10, cacheWritePerMTok: price.input * 1.25, source: "config" },
      priceProvider: spec.priceProvider ?? null,
      ...(spec.maxInputTokens === undefined ? {} : { maxInputTokens: spec.maxInputTokens }),
      ...(spec.baseUrlEnv === undefined ? {} : { baseUrlEnv: spec.baseUrlEnv }),
    }));
    routes[model.name] = {
      name: model.name,
      wildcardPrefix: model.name.endsWith("*") ? model.name.slice(0, -1) : null,
      deployments,
      cumulativeWeights,
      fallbacks: model.fallbacks ?? [],
      ...(model.sameModelFallback === true ? { sameModelFallback: true as const } : {}),
      ...(model.contextWindowFallbacks === undefined ? {} : { contextWindowFallbacks: model.contextWindowFallbacks }),
      ...(model.contentPolicyFallbacks === undefined ? {} : { contentPolicyFallbacks: model.contentPolicyFallbacks }),
      retry: { attempts: model.retries ?? 2, initialBackoffMs: 100, maxBackoffMs: 1_000 },
    };
  }
  const teams: Record<string, CompiledTeam> = {};
  for (const team of options.teams ?? []) teams[team.name] = team;
  return {
    version: 1,
    hash: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    source: "gateway.config.ts",
    env: ["FAKE_API_KEY"],
    optionalEnv: [],
    routes,
    policy: { masterKey: options.masterKey ?? null, teams, keys: options.keys ?? [] },
  };
}
