/**
 * OpenAI chat request -> Google `generateContent` request (Gemini API; Vertex AI reuses
 * `convertToGeminiBody`).
 *
 * - system and developer messages before the first turn become `systemInstruction` parts, in order;
 *   one sent later keeps its place as user text "System: ..." (shared/message-text.ts).
 * - user and tool messages become `user` turns, assistant messages `model` turns; consecutive
 *   turns of the same role are merged (Google wants them to alternate).
 * - Images: a base64 data: URL -> `inlineData`; an http(s) URL -> `fileData` (Google fetches public
 *   and signed URLs itself) with a MIME type from the file extension, else from the client's
 *   `image_url.format` hint (a MIME type, as LiteLLM accepts), else none: `fileData.mimeType` is
 *   optional on the Gemini API and Google then takes the type of what it fetched. gw never fetches
 *   on the request path, and a guessed type (gw used to send image/jpeg) mislabels PNGs, WebPs and
 *   GIFs. Vertex AI requires the field: there, and only there, image/jpeg stays the fallback. Audio (`input_audio`) and base64 files (`file.file_data`) -> `inlineData`.
 * - Assistant `tool_calls` -> `functionCall` parts; tool messages -> `functionResponse` parts
 *   named after the earlier assistant tool call with that id (Google matches by name). A tool
 *   result that is a JSON object is the response itself; anything else is `{"output": ...}`.
 * - Gemini 3 and later require the `thoughtSignature` they returned with a function call to be
 *   sent back: gw returned it in the message's `thinking_blocks` (thinking.ts), and puts it back on
 *   the turn's first function call (else its last text part). A client that did not keep it gets
 *   Google's documented placeholder signature on the first function call instead (the model then
 *   does not see its own earlier reasoning, which is all that is lost).
 * - `reasoning_effort` / `thinking` -> `generationConfig.thinkingConfig` (thinking.ts).
 * - tools -> one `functionDeclarations` tool, parameters converted to Google's schema subset
 *   (../shared/json-schema-to-gemini.ts); tool_choice -> `toolConfig.functionCallingConfig`.
 * - Sampling, length and logprobs (convert-logprobs.ts) -> `generationConfig`; `response_format` json_object -> responseMimeType
 *   application/json, json_schema -> also `responseSchema`.
 * - Parameters Google cannot honour are dropped, each with a warning.
 * @see https://ai.google.dev/api/generate-content#request-body
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, JsonObject } from "../../http/openai-types.ts";
import { convertAssistantToolCalls } from "../shared/assistant-tool-calls.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { warnDroppedParameters } from "../shared/dropped-parameters.ts";
import { convertFunctionTools } from "../shared/function-tools.ts";
import { toGeminiParameters, toGeminiSchema } from "../shared/json-schema-to-gemini.ts";
import { createSystemPlacement, readMessageText, readSystemTexts } from "../shared/message-text.ts";
import { readStopSequences } from "../shared/stop-sequences.ts";
import { parseToolCallArguments } from "../shared/tool-call-arguments.ts";
import { readToolChoice } from "../shared/tool-choice.ts";
import { convertUserContent } from "../shared/user-content-parts.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { applyLogprobsRequest } from "./convert-logprobs.ts";
import { createHeaders, generateContentUrl } from "./endpoint.ts";
import { isRecord } from "./gemini-api.ts";
import { geminiSignatureOf, geminiThinkingConfig } from "./thinking.ts";
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequestBody,
  GeminiToolConfig,
  JsonRecord,
} from "./gemini-api.ts";

/** Request fields this converter reads; anything else the client sends is dropped with a warning. */
const handledParameters: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "stream",
  "stream_options",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "n",
  "stop",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "reasoning_effort",
  "thinking",
  "logprobs",
  "top_logprobs",
]);

/** Google's documented stand-in for a thought signature the caller does not have. */
export const placeholderThoughtSignature = "skip_thought_signature_validator";

/** Gemini 1.x and 2.x do not validate thought signatures; every later model does. */
export function needsThoughtSignature(model: string): boolean {
  return !/(?:^|\/)gemini-(?:1|2)(?:\.|-)/.test(model);
}

const imageTypesByExtension: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  gif: "image/gif",
};

/** The MIME type of an image URL: from its file extension, else the client's hint; undefined when neither says. */
function imageUrlType(url: string, hint: unknown): string | undefined {
  const path = url.split(/[?#]/)[0] ?? url;
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  const extension = dot > slash ? path.slice(dot + 1).toLowerCase() : "";
  if (Object.hasOwn(imageTypesByExtension, extension)) return imageTypesByExtension[extension];
  return typeof hint === "string" && /^image\/[a-z0-9.+-]+$/i.test(hint) ? hint.toLowerCase() : undefined;
}

/** A base64 data: URL that names its media type (Google needs a MIME type for inline data); null otherwise. */
function parseTypedDataUrl(url: string): { mediaType: string; data: string } | null {
  const parsed = parseDataUrl(url);
  return parsed !== null && parsed.mediaType.length > 0 ? parsed : null;
}

function imagePart(part: JsonRecord, param: string, fallbackType?: string): GeminiPart {
  const url = isRecord(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== "string") throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url.url`);
  if (url.startsWith("https://") || url.startsWith("http://")) {
    const mimeType = imageUrlType(url, isRecord(part.image_url) ? part.image_url.format : undefined) ?? fallbackType;
    return mimeType === undefined ? { fileData: { fileUri: url } } : { fileData: { mimeType, fileUri: url } };
  }
  const parsed = parseTypedDataUrl(url);
  if (!parsed) throw invalidRequest(`${param}.image_url.url must be an http(s) URL or a base64 data: URL.`, `${param}.image_url.url`);
  return { inlineData: { mimeType: parsed.mediaType, data: parsed.data } };
}

const audioTypes: Readonly<Record<string, string>> = { wav: "audio/wav", mp3: "audio/mp3" };

function audioPart(part: JsonRecord, param: string): GeminiPart {
  const audio = isRecord(part.input_audio) ? part.input_audio : {};
  const format = typeof audio.format === "string" ? audio.format.toLowerCase() : "";
  if (typeof audio.data !== "string" || !Object.hasOwn(audioTypes, format)) {
    throw invalidRequest(`${param}.input_audio needs base64 \`data\` and a \`format\` of "wav" or "mp3".`, `${param}.input_audio`);
  }
  return { inlineData: { mimeType: audioTypes[format]!, data: audio.data } };
}

function filePart(part: JsonRecord, param: string): GeminiPart {
  const fileData = isRecord(part.file) ? part.file.file_data : undefined;
  const parsed = typeof fileData === "string" ? parseTypedDataUrl(fileData) : null;
  if (!parsed) {
    throw invalidRequest(
      `${param}: files must be given as base64 data (file.file_data = "data:<media type>;base64,..."); file ids are not supported by this provider.`,
      `${param}.file`,
    );
  }
  return { inlineData: { mimeType: parsed.mediaType, data: parsed.data } };
}

const userPartConverters = { image_url: (part: JsonRecord, param: string) => imagePart(part, param), input_audio: audioPart, file: filePart };
/** Vertex AI requires `fileData.mimeType` (see the top). */
const vertexUserPartConverters = { ...userPartConverters, image_url: (part: JsonRecord, param: string) => imagePart(part, param, "image/jpeg") };

function userParts(content: unknown, param: string, provider: string): GeminiPart[] {
  const converters = provider === "vertex" ? vertexUserPartConverters : userPartConverters;
  return convertUserContent<GeminiPart>(content, param, provider, (text) => ({ text }), converters);
}

/** A tool result: a JSON object is the response itself; other JSON values and plain text go under "output". */
function toolResponse(text: string): JsonObject {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const value: unknown = JSON.parse(trimmed);
      return isRecord(value) ? value : { output: value };
    } catch {
      // Not JSON after all: sent as text.
    }
  }
  return { output: text };
}

interface Conversation {
  system: Array<{ text: string }>;
  contents: GeminiContent[];
}

function append(contents: GeminiContent[], role: GeminiContent["role"], parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function convertMessages(input: unknown, model: string, provider: string): Conversation {
  if (!Array.isArray(input) || input.length === 0) throw invalidRequest("messages must be a non-empty array.", "messages");
  const signFunctionCalls = needsThoughtSignature(model);
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  /** Tool call id -> function name, from the assistant messages seen so far (a later id wins). */
  const toolNames = new Map<string, string>();
  // A system message after the first turn keeps its place (shared/message-text.ts).
  const placement = createSystemPlacement();
  const releaseSystem = (): void => {
    const held = placement.release();
    if (held.length > 0) append(contents, "user", held.map((text): GeminiPart => ({ text })));
  };
  for (let index = 0; index < input.length; index++) {
    const message: unknown = input[index];
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    switch (message.role) {
      case "system":
      case "developer": {
        const texts = readSystemTexts(message.content, `${param}.content`);
        if (placement.isPrompt(texts, contents.length > 0)) for (const text of texts) system.push({ text });
        break;
      }
      case "user":
        releaseSystem();
        append(contents, "user", userParts(message.content, `${param}.content`, provider));
        break;
      case "assistant": {
        releaseSystem();
        const text = readMessageText(message.content, `${param}.content`);
        const signature = geminiSignatureOf(message);
        const calls = convertAssistantToolCalls(message.tool_calls, param, (call, callParam, callIndex): GeminiPart => {
          toolNames.set(call.id, call.name);
          const args = parseToolCallArguments(call.arguments, `${callParam}.function.arguments`);
          if (callIndex !== 0) return { functionCall: { name: call.name, args } };
          if (signature !== null) return { functionCall: { name: call.name, args }, thoughtSignature: signature };
          return signFunctionCalls ? { functionCall: { name: call.name, args }, thoughtSignature: placeholderThoughtSignature } : { functionCall: { name: call.name, args } };
        });
        if (text.length === 0) append(contents, "model", calls);
        else append(contents, "model", [calls.length === 0 && signature !== null ? { text, thoughtSignature: signature } : { text }, ...calls]);
        break;
      }
      case "tool": {
        const id = message.tool_call_id;
        if (typeof id !== "string") throw invalidRequest(`${param}.tool_call_id must be a string.`, `${param}.tool_call_id`);
        const name = toolNames.get(id);
        if (name === undefined) {
          throw invalidRequest(
            `${param}.tool_call_id "${id}" does not match a tool call of an earlier assistant message; ${provider} needs the function's name, which gw takes from that call.`,
            `${param}.tool_call_id`,
          );
        }
        append(contents, "user", [{ functionResponse: { name, response: toolResponse(readMessageText(message.content, `${param}.content`)) } }]);
        break;
      }
      default:
        throw invalidRequest(
          `${param}.role "${String(message.role)}" is not supported; use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  }
  releaseSystem();
  if (contents.length === 0) throw invalidRequest("messages must contain at least one user or assistant message with content.", "messages");
  return { system, contents };
}

function convertTools(tools: unknown[], provider: string): GeminiFunctionDeclaration[] {
  return convertFunctionTools(tools, provider, (fn): GeminiFunctionDeclaration => {
    const declaration: GeminiFunctionDeclaration = { name: fn.name };
    if (typeof fn.description === "string" && fn.description.length > 0) declaration.description = fn.description;
    const parameters = toGeminiParameters(fn.parameters);
    if (parameters !== undefined) declaration.parameters = parameters;
    return declaration;
  });
}

function convertToolChoice(input: unknown): GeminiToolConfig | undefined {
  const choice = readToolChoice(input);
  if (choice === undefined) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.name] } };
}

function applyResponseFormat(format: unknown, config: GeminiGenerationConfig, warnings: string[], provider: string): void {
  if (format === undefined || format === null) return;
  if (!isRecord(format)) throw invalidRequest("response_format must be an object.", "response_format");
  if (format.type === "text") return;
  if (format.type === "json_object") {
    config.responseMimeType = "application/json";
    return;
  }
  if (format.type === "json_schema") {
    config.responseMimeType = "application/json";
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (isRecord(schema)) config.responseSchema = toGeminiSchema(schema);
    else warnings.push(`response_format.json_schema.schema missing: ${provider} is asked for JSON without a schema`);
    return;
  }
  warnings.push(`response_format dropped: type "${String(format.type)}" is not supported by ${provider}`);
}

function generationConfig(request: ChatCompletionRequest, model: string, warnings: string[], provider: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxOutputTokens = maxTokens;
  const stop = readStopSequences(request.stop);
  if (stop) config.stopSequences = stop;
  if (typeof request.n === "number" && request.n > 1) config.candidateCount = request.n;
  if (typeof request.seed === "number") config.seed = request.seed;
  if (typeof request.presence_penalty === "number") config.presencePenalty = request.presence_penalty;
  if (typeof request.frequency_penalty === "number") config.frequencyPenalty = request.frequency_penalty;
  applyResponseFormat(request.response_format, config, warnings, provider);
  const thinking = geminiThinkingConfig(request, model, provider, warnings);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  applyLogprobsRequest(request, config);
  return config;
}

/** The provider-neutral part: the request body, shared by the Gemini API and Vertex AI. */
export function convertToGeminiBody(
  request: ChatCompletionRequest,
  model: string,
  provider: string,
): { body: GeminiRequestBody; warnings: string[] } {
  const warnings: string[] = [];
  const { system, contents } = convertMessages(request.messages, model, provider);
  const body: GeminiRequestBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };

  const tools = request.tools;
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw invalidRequest("tools must be an array.", "tools");
  if (Array.isArray(tools) && tools.length > 0) {
    body.tools = [{ functionDeclarations: convertTools(tools, provider) }];
    const toolConfig = convertToolChoice(request.tool_choice);
    if (toolConfig) body.toolConfig = toolConfig;
    if (request.parallel_tool_calls === false) warnings.push(`parallel_tool_calls dropped: ${provider} cannot limit the model to one function call`);
  } else if (request.tool_choice !== undefined && request.tool_choice !== null && request.tool_choice !== "none" && request.tool_choice !== "auto") {
    warnings.push("tool_choice dropped: the request has no tools");
  }

  const config = generationConfig(request, model, warnings, provider);
  if (Object.keys(config).length > 0) body.generationConfig = config;

  warnDroppedParameters(request, handledParameters, provider, warnings, { falseAsksNothing: true });
  return { body, warnings };
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const { body, warnings } = convertToGeminiBody(request, deployment.model, "gemini");
  return {
    upstream: { url: generateContentUrl(deployment, stream), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
