/**
 * A fake Amazon Bedrock Runtime upstream speaking the real wire format, fed by recorded responses:
 * `amazon-bedrock-text` for plain requests, `amazon-bedrock-tool-call.1` for requests with tools
 * (unless the last turn returns tool results, which is answered with text).
 *
 * Serves `POST /model/{modelId}/converse`, `/converse-stream` (AWS event-stream binary framing,
 * `application/vnd.amazon.eventstream`), `/invoke` (Titan and Cohere embeddings, computed) and, for Claude
 * models, `/invoke` and `/invoke-with-response-stream` with Anthropic's Messages body (`anthropic-*` fixtures).
 *
 * Every request must carry a valid AWS Signature Version 4, which this fake VERIFIES with its own
 * implementation of the algorithm (node:crypto; canonical request, string to sign, signing key,
 * signature, date freshness, session token) so that a mistake in how gw drives the AWS signer is
 * caught. Failures answer as Bedrock does: HTTP 403, `x-amzn-errortype` InvalidSignatureException,
 * UnrecognizedClientException, IncompleteSignatureException or MissingAuthenticationTokenException,
 * body `{"message": ...}`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { encodeAwsEvent } from "../../runtime/upstream/stream/decode-aws-eventstream.ts";
import { startFakeServer, type DialectReply, type FakeDialect, type FakeUpstream, type RecordedRequest } from "./fake-server.ts";

export type { FakeUpstream, RecordedRequest, ScriptedReply } from "./fake-server.ts";

export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it (signed) in x-amz-security-token. */
  sessionToken?: string;
}

export interface BedrockUpstreamOptions {
  credentials?: AwsTestCredentials;
  /** The region requests must be signed for. Default "us-east-1". */
  region?: string;
  /** Fixture for requests without tools. Default "amazon-bedrock-text". */
  textFixture?: string;
  /** Fixture for requests with tools. Default "amazon-bedrock-tool-call.1". */
  toolFixture?: string;
  chunkDelayMs?: number;
  /** The fake's clock for signature freshness (Unix ms). Default Date.now. */
  now?: () => number;
}

export const defaultTestCredentials: AwsTestCredentials = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

// ---------------------------------------------------------------------------------------------
// SigV4 verification, written from the specification (independent of @smithy/signature-v4).

export interface SigV4Expectation {
  credentials: AwsTestCredentials;
  region: string;
  service: string;
  /** Unix ms. */
  now: number;
  /** Largest accepted clock difference. Default 5 minutes, as AWS. */
  maxSkewMs?: number;
}

export type SigV4Verdict = { valid: true } | { valid: false; errorType: string; message: string };

const invalidSignatureMessage =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function reject(errorType: string, message: string): SigV4Verdict {
  return { valid: false, errorType, message };
}

/** RFC 3986 percent-encoding: everything but unreserved characters. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Every service but S3: each segment of the path as sent is encoded once more. */
function canonicalUri(path: string): string {
  return path === "" ? "/" : path.split("/").map(uriEncode).join("/");
}

function canonicalQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=");
      return [uriEncode(decodeURIComponent(name.replace(/\+/g, " "))), uriEncode(decodeURIComponent(value.replace(/\+/g, " ")))] as const;
    })
    .sort(([nameA, valueA], [nameB, valueB]) => (nameA === nameB ? (valueA < valueB ? -1 : 1) : nameA < nameB ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** "20240101T120000Z" -> Unix ms, or NaN. */
function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match;
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
}

/** Verifies the Authorization header of `request` as AWS does; never throws. */
export function verifySigV4(request: Pick<RecordedRequest, "method" | "path" | "headers" | "rawBody">, expected: SigV4Expectation): SigV4Verdict {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return reject("MissingAuthenticationTokenException", "Missing Authentication Token");
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!match) {
    return reject(
      "IncompleteSignatureException",
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${authorization.split(" ")[0]}`,
    );
  }
  const [, accessKeyId = "", scopeDate = "", region = "", service = "", signedHeaderList = "", signature = ""] = match;
  if (accessKeyId !== expected.credentials.accessKeyId) return reject("UnrecognizedClientException", "The security token included in the request is invalid.");

  const signedHeaders = signedHeaderList.split(";");
  const sortedSignedHeaders = [...signedHeaders].sort();
  if (signedHeaders.join(";") !== sortedSignedHeaders.join(";")) return reject("InvalidSignatureException", invalidSignatureMessage);
  for (const required of ["host", "x-amz-date"]) {
    if (!signedHeaders.includes(required)) return reject("InvalidSignatureException", `'${required}' must be a 'SignedHeader' in the AWS Authorization.`);
  }

  const token = request.headers["x-amz-security-token"];
  if (expected.credentials.sessionToken !== undefined || token !== undefined) {
    if (token !== expected.credentials.sessionToken) return reject("UnrecognizedClientException", "The security token included in the request is invalid.");
    if (!signedHeaders.includes("x-amz-security-token")) return reject("InvalidSignatureException", invalidSignatureMessage);
  }

  const amzDate = request.headers["x-amz-date"] ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt) || amzDate.slice(0, 8) !== scopeDate) {
    return reject("IncompleteSignatureException", `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  }
  const maxSkewMs = expected.maxSkewMs ?? 5 * 60_000;
  if (Math.abs(expected.now - signedAt) > maxSkewMs) {
    return reject("InvalidSignatureException", `Signature expired: ${amzDate} is now earlier or later than 5 min. from the server time.`);
  }
  if (region !== expected.region) return reject("InvalidSignatureException", `Credential should be scoped to a valid region, not '${region}'.`);
  if (service !== expected.service) return reject("InvalidSignatureException", `Credential should be scoped to correct service: '${expected.service}'.`);

  const payloadHash = sha256Hex(Buffer.from(request.rawBody, "utf8"));
  const declaredHash = request.headers["x-amz-content-sha256"];
  if (declaredHash !== undefined && declaredHash !== payloadHash) {
    return reject("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return reject("InvalidSignatureException", invalidSignatureMessage);
    canonicalHeaders.push(`${name}:${value.trim().replace(/\s+/g, " ")}\n`);
  }
  const queryStart = request.path.indexOf("?");
  const path = queryStart < 0 ? request.path : request.path.slice(0, queryStart);
  const query = queryStart < 0 ? "" : request.path.slice(queryStart + 1);
  const canonicalRequest = [request.method, canonicalUri(path), canonicalQuery(query), canonicalHeaders.join(""), signedHeaderList, payloadHash].join("\n");
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${expected.credentials.secretAccessKey}`, scopeDate), region), service), "aws4_request");
  const computed = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest();
  if (!timingSafeEqual(computed, Buffer.from(signature, "hex"))) return reject("InvalidSignatureException", invalidSignatureMessage);
  return { valid: true };
}

// ---------------------------------------------------------------------------------------------
// Bedrock's wire behaviour.

const errorTypes: Record<number, string> = {
  400: "ValidationException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

const errorMessages: Record<string, string> = {
  ValidationException: "Malformed input request, please reformat your input and try again.",
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException: "Model not found.",
  ModelTimeoutException: "Model has timed out in processing the request. Try your request again.",
  ModelErrorException: "The model returned an error. Try your request again.",
  ThrottlingException: "Too many requests, please wait before trying again.",
  InternalServerException: "The server encountered an internal error while processing the request.",
  ServiceUnavailableException: "Bedrock is unable to process your request.",
};

function errorTypeFor(status: number): string {
  return errorTypes[status] ?? (status >= 500 ? "InternalServerException" : "ValidationException");
}

function errorReply(status: number, errorType: string, message: string): DialectReply {
  return { status, headers: { "x-amzn-errortype": `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, body: JSON.stringify({ message }) };
}

function invalid(message: string): DialectReply {
  return errorReply(400, "ValidationException", message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const converseKeys = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "promptVariables",
  "additionalModelResponseFieldPaths",
  "requestMetadata",
  "performanceConfig",
  "outputConfig",
  "serviceTier",
]);
const blockKinds = new Set(["text", "image", "document", "video", "toolUse", "toolResult", "guardContent", "cachePoint", "reasoningContent"]);
const imageFormats = new Set(["png", "jpeg", "gif", "webp"]);

/** The Converse request checks Bedrock performs that a converter can get wrong. */
function checkConverseBody(body: unknown): DialectReply | null {
  if (!isRecord(body)) return invalid("Malformed input request: the body must be a JSON object, please reformat your input and try again.");
  for (const key of Object.keys(body)) {
    if (!converseKeys.has(key)) return invalid(`Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
  let usesTools = false;
  let previousToolUseIds = new Set<string>();
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || (message.role !== "user" && message.role !== "assistant")) {
      return invalid(`1 validation error detected: Value at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    }
    if (index === 0 && message.role !== "user") return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
    const previous: unknown = body.messages[index - 1];
    if (index > 0 && isRecord(previous) && previous.role === message.role) {
      return invalid("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
    }
    if (!Array.isArray(message.content) || message.content.length === 0) return invalid(`The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`);
    const toolUseIds = new Set<string>();
    for (const [blockIndex, block] of message.content.entries()) {
      const where = `messages.${index}.content.${blockIndex}`;
      const keys = isRecord(block) ? Object.keys(block) : [];
      if (!isRecord(block) || keys.length !== 1 || !blockKinds.has(keys[0]!)) return invalid(`Malformed input request: ${where} must have exactly one content block member, please reformat your input and try again.`);
      if ("text" in block && (typeof block.text !== "string" || block.text.trim() === "")) {
        return invalid(`The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`);
      }
      if ("image" in block) {
        const image = block.image;
        if (!isRecord(image) || !imageFormats.has(String(image.format)) || !isRecord(image.source) || typeof image.source.bytes !== "string") {
          return invalid(`Malformed input request: ${where}.image is not a valid image block, please reformat your input and try again.`);
        }
      }
      if ("toolUse" in block) {
        usesTools = true;
        const toolUse = block.toolUse;
        if (!isRecord(toolUse) || typeof toolUse.toolUseId !== "string" || !/^[a-zA-Z0-9_-]+$/.test(toolUse.toolUseId) || !isRecord(toolUse.input)) {
          return invalid(`Malformed input request: ${where}.toolUse is not valid, please reformat your input and try again.`);
        }
        toolUseIds.add(toolUse.toolUseId);
      }
      if ("toolResult" in block) {
        usesTools = true;
        const toolResult = block.toolResult;
        if (!isRecord(toolResult) || typeof toolResult.toolUseId !== "string" || !previousToolUseIds.has(toolResult.toolUseId)) {
          return invalid(`The toolUse blocks at messages.${index - 1}.content have no matching toolResult block at ${where}.`);
        }
      }
    }
    previousToolUseIds = toolUseIds;
  }
  if (body.system !== undefined && !(Array.isArray(body.system) && body.system.every((block) => isRecord(block) && typeof block.text === "string" && block.text !== ""))) {
    return invalid("Malformed input request: system must be a list of SystemContentBlock, please reformat your input and try again.");
  }
  if (body.inferenceConfig !== undefined) {
    const config = body.inferenceConfig;
    if (!isRecord(config)) return invalid("Malformed input request: inferenceConfig must be an object.");
    for (const key of Object.keys(config)) {
      if (!["maxTokens", "temperature", "topP", "stopSequences"].includes(key)) return invalid(`Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
    }
    if (config.maxTokens !== undefined && !(Number.isInteger(config.maxTokens) && (config.maxTokens as number) >= 1)) {
      return invalid("1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }
  }
  if (body.toolConfig !== undefined) {
    const toolConfig = body.toolConfig;
    if (!isRecord(toolConfig) || !Array.isArray(toolConfig.tools) || toolConfig.tools.length === 0) return invalid("The value at toolConfig.tools is invalid. Add at least one tool and try again.");
    for (const [index, tool] of toolConfig.tools.entries()) {
      const spec = isRecord(tool) ? tool.toolSpec : undefined;
      if (!isRecord(spec) || typeof spec.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name) || !isRecord(spec.inputSchema) || !isRecord(spec.inputSchema.json)) {
        return invalid(`Malformed input request: toolConfig.tools.${index} is not a valid tool specification, please reformat your input and try again.`);
      }
    }
    const choice = toolConfig.toolChoice;
    if (choice !== undefined && !(isRecord(choice) && Object.keys(choice).length === 1 && ["auto", "any", "tool"].includes(Object.keys(choice)[0]!))) {
      return invalid("Malformed input request: toolConfig.toolChoice must have exactly one of auto, any, tool.");
    }
  } else if (usesTools) {
    return invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
  }
  return null;
}

/** A deterministic vector for `text` (so tests can compare what came back). */
export function fakeVector(text: string, dimensions: number): number[] {
  const digest = createHash("sha256").update(text).digest();
  return Array.from({ length: dimensions }, (_, index) => Math.round(((digest[index % digest.length]! - 128) / 128) * 1e6) / 1e6);
}

function wordCount(text: string): number {
  return Math.max(1, text.split(/\s+/).filter((word) => word !== "").length);
}

const invokePath = /^\/model\/([^/]+)\/invoke$/;
/** InvokeModel for Claude models: Anthropic's Messages body, answered like Anthropic (streamed in `chunk` events). */
const claudeInvokePath = /^\/model\/[^/]*anthropic\.claude[^/]*\/invoke(?:-with-response-stream)?$/;

function isClaudeInvokeBody(body: unknown): boolean {
  return isRecord(body) && "anthropic_version" in body;
}

/** The checks Bedrock makes of a Claude InvokeModel body that a pass-through can get wrong. */
function checkClaudeInvokeBody(body: Record<string, unknown>): DialectReply | null {
  if (body.anthropic_version !== "bedrock-2023-05-31") return invalid("Malformed input request: #/anthropic_version: bedrock-2023-05-31 expected, please reformat your input and try again.");
  for (const key of ["model", "stream"]) {
    if (key in body) return invalid(`Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
  }
  if (typeof body.max_tokens !== "number") return invalid("Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.");
  if (!Array.isArray(body.messages)) return invalid("Malformed input request: #: required key [messages] not found, please reformat your input and try again.");
  return null;
}

/** InvokeModel for the embeddings models gw supports; everything else is not an embeddings model here. */
function answerInvoke(modelId: string, body: unknown): DialectReply {
  if (!isRecord(body)) return invalid("Malformed input request: expected a JSON object, please reformat your input and try again.");
  if (modelId.includes("titan-embed-text")) {
    const v2 = modelId.includes("titan-embed-text-v2");
    for (const key of Object.keys(body)) {
      if (!(key === "inputText" || (v2 && ["dimensions", "normalize", "embeddingTypes"].includes(key)))) {
        return invalid(`Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
      }
    }
    if (typeof body.inputText !== "string" || body.inputText === "") return invalid("Malformed input request: #: required key [inputText] not found, please reformat your input and try again.");
    if (body.dimensions !== undefined && ![256, 512, 1024].includes(body.dimensions as number)) {
      return invalid("Malformed input request: #/dimensions: 100 is not a valid enum value, please reformat your input and try again.".replace("100", String(body.dimensions)));
    }
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : 8;
    return { status: 200, body: JSON.stringify({ embedding: fakeVector(body.inputText, dimensions), inputTextTokenCount: wordCount(body.inputText) }) };
  }
  if (modelId.includes("cohere.embed")) {
    if (!Array.isArray(body.texts) || body.texts.length === 0 || body.texts.length > 96 || !body.texts.every((text) => typeof text === "string")) {
      return invalid("Malformed input request: #/texts: expected between 1 and 96 strings, please reformat your input and try again.");
    }
    if (typeof body.input_type !== "string") return invalid("Malformed input request: #: required key [input_type] not found, please reformat your input and try again.");
    const texts = body.texts as string[];
    const vectors = texts.map((text) => fakeVector(text, typeof body.output_dimension === "number" ? body.output_dimension : 8));
    const byType = Array.isArray(body.embedding_types);
    return {
      status: 200,
      body: JSON.stringify({ id: randomUUID(), texts, embeddings: byType ? { float: vectors } : vectors, response_type: byType ? "embeddings_by_type" : "embeddings_floats" }),
    };
  }
  return invalid("The provided model identifier is invalid.");
}

/** Fixture lines are `{"<eventType>": payload}`: one binary event-stream message each. */
function eventFrame(line: string): Uint8Array {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  const [eventType] = Object.keys(parsed);
  if (eventType === undefined) throw new Error(`bedrock fixture line without an event: ${line}`);
  return encodeAwsEvent(eventType, parsed[eventType]);
}

function lastTurnReturnsToolResults(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.messages)) return false;
  const last: unknown = body.messages[body.messages.length - 1];
  return isRecord(last) && Array.isArray(last.content) && last.content.some((block) => isRecord(block) && "toolResult" in block);
}

export function createBedrockDialect(options: BedrockUpstreamOptions = {}): FakeDialect {
  const credentials = options.credentials ?? defaultTestCredentials;
  const region = options.region ?? "us-east-1";
  const now = options.now ?? Date.now;
  const textFixture = options.textFixture ?? "amazon-bedrock-text";
  const toolFixture = options.toolFixture ?? "amazon-bedrock-tool-call.1";
  return {
    isChatPath: (path) => /^\/model\/[^/]+\/(?:converse|converse-stream)$/.test(path) || claudeInvokePath.test(path),
    isOtherPath: (path) => invokePath.test(path),
    responseHeaders: () => ({ "x-amzn-requestid": randomUUID() }),
    checkRequest(request) {
      const verdict = verifySigV4(request, { credentials, region, service: "bedrock", now: now() });
      return verdict.valid ? null : errorReply(403, verdict.errorType, verdict.message);
    },
    respond(request) {
      const path = request.path.split("?")[0] ?? request.path;
      if (claudeInvokePath.test(path)) return null;
      const match = invokePath.exec(path);
      return match ? answerInvoke(decodeURIComponent(match[1]!), request.body) : null;
    },
    checkHeaders: () => null,
    checkBody: (body) => (isClaudeInvokeBody(body) ? checkClaudeInvokeBody(body as Record<string, unknown>) : checkConverseBody(body)),
    errorBody: (status) => {
      const type = errorTypeFor(status);
      return JSON.stringify({ message: errorMessages[type] ?? `Request failed with status ${status}.` });
    },
    errorHeaders: (status) => ({ "x-amzn-errortype": `${errorTypeFor(status)}:http://internal.amazon.com/coral/com.amazon.bedrock/` }),
    notFound: (path) => errorReply(404, "UnknownOperationException", `Unknown operation: POST ${path}`),
    isStream: (_body, path) => path.endsWith("/converse-stream") || path.endsWith("/invoke-with-response-stream"),
    pickFixture: (body) =>
      isClaudeInvokeBody(body)
        ? Array.isArray((body as Record<string, unknown>).tools) ? "anthropic-json-tool.1" : "anthropic-text"
        : isRecord(body) && isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools) && !lastTurnReturnsToolResults(body) ? toolFixture : textFixture,
    // Claude's Messages events each ride base64-encoded in a `chunk` event.
    streamFrames: (lines, body) =>
      isClaudeInvokeBody(body) ? lines.map((line) => encodeAwsEvent("chunk", { bytes: Buffer.from(line, "utf8").toString("base64") })) : lines.map(eventFrame),
    streamErrorFrame: () => encodeAwsEvent("throttlingException", { message: "Too many tokens, please wait before trying again." }, "exception"),
    streamContentType: "application/vnd.amazon.eventstream",
  };
}

export function startBedrockUpstream(options: BedrockUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeServer({
    dialect: createBedrockDialect(options),
    basePath: "",
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
  });
}
