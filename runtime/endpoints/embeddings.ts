/**
 * POST /v1/embeddings: auth, parse, route (wildcards included), team allow-list, budget,
 * execute with retries and fallbacks through the provider's embeddings adapter, respond in
 * OpenAI's shape; then log one line and record the spend exactly like a chat completion
 * (input tokens only are priced; `stream` is false).
 *
 * `encoding_format` is honoured centrally: whatever the adapter returned (floats, or base64 of
 * little-endian float32s) is converted to what the client asked for, so adapters of providers
 * that only return floats need not know about base64. The official OpenAI SDKs ask for base64
 * by default and decode it themselves.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import { zeroUsage } from "../spend/cost.ts";
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { Embedding, EmbeddingsRequest, EmbeddingsResponse, TokenUsage } from "../http/openai-types.ts";
import type { TokenPrice } from "../start/plan.ts";
import type { PricedEndpoint } from "./priced-request.ts";
import { encodeEmbedding } from "../providers/shared/encode-embedding.ts";
import { estimateEmbeddingCost } from "../spend/cost-estimate.ts";
import { readModelBody, type RequestDeps, respondWithOutcome } from "./request-flow.ts";
import { embeddingsNotSupported, embedUpstream } from "../upstream/upstream.ts";

function isTokenId(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

const inputShape = "a non-empty string, an array of non-empty strings, an array of token ids, or an array of non-empty token-id arrays";

/** Problems with `input`, as the 400 to answer with; null when it has one of OpenAI's four shapes. */
function checkInput(input: unknown): GatewayError | null {
  if (input === undefined || input === null) {
    return invalidRequest(`You must provide \`input\`: ${inputShape}.`, "input", "missing_required_parameter");
  }
  if (typeof input === "string") {
    return input === "" ? invalidRequest("`input` must not be an empty string.", "input", "invalid_value") : null;
  }
  if (!Array.isArray(input)) return invalidRequest(`\`input\` must be ${inputShape}.`, "input", "invalid_type");
  if (input.length === 0) return invalidRequest("`input` must not be an empty array.", "input", "invalid_value");
  const first: unknown = input[0];
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    const param = `input[${index}]`;
    if (typeof first === "string") {
      if (typeof item !== "string") return invalidRequest(`${param} must be a string, like input[0].`, param, "invalid_type");
      if (item === "") return invalidRequest(`${param} must not be an empty string.`, param, "invalid_value");
    } else if (typeof first === "number") {
      if (!isTokenId(item)) return invalidRequest(`${param} must be a token id (a non-negative integer), like input[0].`, param, "invalid_type");
    } else if (Array.isArray(first)) {
      if (!Array.isArray(item)) return invalidRequest(`${param} must be an array of token ids, like input[0].`, param, "invalid_type");
      if (item.length === 0) return invalidRequest(`${param} must not be an empty array.`, param, "invalid_value");
      if (!item.every(isTokenId)) return invalidRequest(`${param} must contain only token ids (non-negative integers).`, param, "invalid_type");
    } else {
      return invalidRequest(`\`input\` must be ${inputShape}.`, param, "invalid_type");
    }
  }
  return null;
}

const expectedFields = "`model` and `input`";

/** Minimal checks needed to route and to answer in the right format; the rest is the provider's business. */
export function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest | GatewayError {
  const fields = readModelBody(body, expectedFields, "embeddings models");
  if (fields instanceof GatewayError) return fields;
  const inputProblem = checkInput(fields.input);
  if (inputProblem !== null) return inputProblem;
  const format = fields.encoding_format;
  if (format !== undefined && format !== null && format !== "float" && format !== "base64") {
    return invalidRequest('`encoding_format` must be "float" or "base64".', "encoding_format", "invalid_value");
  }
  const dimensions = fields.dimensions;
  if (dimensions !== undefined && dimensions !== null && !(typeof dimensions === "number" && Number.isInteger(dimensions) && dimensions > 0)) {
    return invalidRequest("`dimensions` must be a positive integer.", "dimensions", "invalid_value");
  }
  return body as EmbeddingsRequest;
}

/** The floats in base64 of little-endian float32s; null when it is not valid base64 of whole float32s. */
export function decodeFloat32Base64(text: string): number[] | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) view.setUint8(index, binary.charCodeAt(index));
  const values = new Array<number>(binary.length / 4);
  for (let index = 0; index < values.length; index++) values[index] = view.getFloat32(index * 4, true);
  return values;
}

/** The response with every embedding in the format the client asked for. */
function toRequestedFormat(response: EmbeddingsResponse, request: EmbeddingsRequest, provider: string): EmbeddingsResponse {
  const base64 = request.encoding_format === "base64";
  if (response.data.every((item) => typeof item.embedding === (base64 ? "string" : "object"))) return response;
  const data = response.data.map((item): Embedding => {
    if (base64 && Array.isArray(item.embedding)) return { ...item, embedding: encodeEmbedding(item.embedding, "base64") };
    if (!base64 && typeof item.embedding === "string") {
      const values = decodeFloat32Base64(item.embedding);
      if (values === null) {
        throw new GatewayError({
          status: 502,
          type: "upstream_error",
          code: "bad_upstream_response",
          message: `The ${provider} upstream returned an embedding gw could not read (invalid base64).`,
        });
      }
      return { ...item, embedding: values };
    }
    return item;
  });
  return { ...response, data };
}

/** Only input tokens are billed for embeddings, whatever else a provider reports. */
function inputOnly(usage: TokenUsage): TokenUsage {
  return { ...zeroUsage, inputTokens: usage.inputTokens };
}

/** The tokens an embeddings request is counted for before it runs (its input). */
function embeddingTokenEstimate(embeddings: EmbeddingsRequest): number {
  return estimateEmbeddingCost(embeddings.input, null).promptTokens;
}

/** Embeddings as a priced endpoint (priced-request.ts). */
export function embeddingsEndpoint(deps: RequestDeps): PricedEndpoint<EmbeddingsRequest, EmbeddingsAnswer> {
  return {
    kind: "embeddings",
    parse: parseEmbeddingsRequest,
    expected: expectedFields,
    estimate: (embeddings: EmbeddingsRequest, price: TokenPrice | null) => estimateEmbeddingCost(embeddings.input, price),
    tokenEstimate: embeddingTokenEstimate,
    unsupported: (embeddings, route) => embeddingsNotSupported(route.deployments.map((target) => target.deployment.provider), embeddings.model),
    async call({ target, body: embeddings, context, control }) {
      const { converted, warnings } = await embedUpstream({ target, request: embeddings, context, fetch: deps.fetch, control });
      return { response: toRequestedFormat(converted.response, embeddings, target.deployment.provider), usage: inputOnly(converted.usage), warnings };
    },
    respond: ({ state }, outcome) => respondWithOutcome(deps, state, outcome, ({ response, usage, warnings }) => ({ payload: response, usage, warnings })),
  };
}

export interface EmbeddingsAnswer {
  response: EmbeddingsResponse;
  usage: TokenUsage;
  warnings: readonly string[];
}
