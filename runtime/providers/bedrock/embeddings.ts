/**
 * Embeddings through Bedrock's InvokeModel (`POST /model/{modelId}/invoke`), whose body is the
 * model family's own format:
 * - Amazon Titan text embeddings (amazon.titan-embed-text-v1, -v2, amazon.titan-embed-g1-text-02):
 *   ONE text per request, `{inputText, dimensions?}` -> `{embedding, inputTextTokenCount}`; a
 *   request with n inputs becomes n upstream requests. Only v2 takes `dimensions`.
 * - Cohere Embed on Bedrock (cohere.embed-*): up to 96 texts per request,
 *   `{texts, input_type: "search_document"}` -> `{embeddings}` (a list of vectors, or
 *   `{float: [...]}` by type). Bedrock reports Cohere's token count only in the
 *   X-Amzn-Bedrock-Input-Token-Count response header, which adapters do not see: usage is 0
 *   unless the body carries `meta.billed_units`.
 * Inference profiles ("us.cohere.embed-v4:0") are recognized by the model name they contain.
 * Vectors are returned as floats; the runtime encodes them as base64 when the client asks.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 */
import { badUpstreamResponse, invalidRequest } from "../../http/errors.ts";
import type { Embedding, EmbeddingsRequest } from "../../http/openai-types.ts";
import { readEmbeddingTexts, splitIntoBatches } from "../shared/embedding-input.ts";
import { isVector } from "../shared/embeddings.ts";
import type { ConvertedEmbeddings, EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { isRecord, readCount } from "./bedrock-api.ts";
import { createHeaders, invokeUrl } from "./endpoint.ts";

/** Cohere Embed takes at most 96 texts per call. */
export const cohereBatchSize = 96;

type EmbeddingFamily = "titan" | "titan-v2" | "cohere" | "cohere-v4";

const handledParameters: ReadonlySet<string> = new Set(["model", "input", "encoding_format", "dimensions"]);

export function embeddingFamily(model: string): EmbeddingFamily | null {
  if (model.includes("titan-embed-text-v2")) return "titan-v2";
  if (model.includes("titan-embed-text") || model.includes("titan-embed-g1-text")) return "titan";
  if (model.includes("cohere.embed-v4")) return "cohere-v4";
  if (model.includes("cohere.embed")) return "cohere";
  return null;
}

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const family = embeddingFamily(deployment.model);
  if (family === null) {
    throw invalidRequest(
      `The bedrock model "${deployment.model}" is not an embeddings model gw can call: use Amazon Titan text embeddings (amazon.titan-embed-text-*) or Cohere Embed (cohere.embed-*).`,
      "model",
    );
  }
  const texts = readEmbeddingTexts(request, "bedrock");
  const warnings: string[] = [];
  const dimensions = typeof request.dimensions === "number" ? request.dimensions : undefined;
  if (dimensions !== undefined && (family === "titan" || family === "cohere")) {
    warnings.push(`dimensions dropped: ${deployment.model} has a fixed embedding size`);
  }
  for (const key of Object.keys(request)) {
    if (!handledParameters.has(key) && request[key] !== undefined && request[key] !== null) warnings.push(`${key} dropped: not supported by bedrock`);
  }
  const send = (body: unknown): UpstreamRequest => ({ url: invokeUrl(deployment), method: "POST", headers: createHeaders(false), body: JSON.stringify(body) });

  if (family === "titan" || family === "titan-v2") {
    const upstream = texts.map((inputText) => send(family === "titan-v2" && dimensions !== undefined ? { inputText, dimensions } : { inputText }));
    return { upstream, warnings };
  }
  const upstream = splitIntoBatches(texts, cohereBatchSize).map((batch) =>
    send({
      texts: batch,
      input_type: "search_document",
      ...(family === "cohere-v4" ? { embedding_types: ["float"] } : {}),
      ...(family === "cohere-v4" && dimensions !== undefined ? { output_dimension: dimensions } : {}),
    }),
  );
  return { upstream, warnings };
}

/** The vectors and token count of one InvokeModel answer, whichever family sent it. */
function readAnswer(body: unknown, position: number): { vectors: number[][]; tokens: number } {
  if (!isRecord(body)) throw badUpstreamResponse("bedrock", `embeddings answer ${position} is not a JSON object`);
  if (body.embedding !== undefined) {
    if (!isVector(body.embedding)) throw badUpstreamResponse("bedrock", `embeddings answer ${position} has no embedding vector`);
    return { vectors: [body.embedding], tokens: readCount(body.inputTextTokenCount) };
  }
  const embeddings = isRecord(body.embeddings) ? body.embeddings.float : body.embeddings;
  if (!Array.isArray(embeddings) || !embeddings.every(isVector)) {
    throw badUpstreamResponse("bedrock", `embeddings answer ${position} has no list of vectors`);
  }
  const billed = isRecord(body.meta) && isRecord(body.meta.billed_units) ? body.meta.billed_units.input_tokens : undefined;
  return { vectors: embeddings, tokens: readCount(billed) };
}

function convertResponses(bodies: unknown[], request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings {
  const data: Embedding[] = [];
  let tokens = 0;
  bodies.forEach((body, position) => {
    const answer = readAnswer(body, position);
    tokens += answer.tokens;
    for (const vector of answer.vectors) {
      data.push({ object: "embedding", index: data.length, embedding: vector });
    }
  });
  const expected = typeof request.input === "string" ? 1 : Array.isArray(request.input) ? request.input.length : data.length;
  if (data.length !== expected) throw badUpstreamResponse("bedrock", `${data.length} embeddings for ${expected} inputs`);
  return {
    response: { object: "list", data, model: context.publicModel, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    usage: { inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
  };
}

export const bedrockEmbeddings: EmbeddingsAdapter = { buildRequests, convertResponses };
