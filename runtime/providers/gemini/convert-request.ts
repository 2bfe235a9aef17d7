/**
 * OpenAI chat request -> Google `generateContent` request (Gemini API; Vertex AI reuses
 * `convertToGeminiBody`).
 *
 * - system and developer messages, wherever they appear, become `systemInstruction` parts, in order.
 * - user and tool messages become `user` turns, assistant messages `model` turns; consecutive
 *   turns of the same role are merged (Google wants them to alternate).
 * - Images: a base64 data: URL -> `inlineData`; an http(s) URL -> `fileData` with a MIME type
 *   guessed from the file extension (image/jpeg when unknown): Google fetches public and
 *   signed URLs itself. Audio (`input_audio`) and base64 files (`file.file_data`) -> `inlineData`.
 * - Assistant `tool_calls` -> `functionCall` parts; tool messages -> `functionResponse` parts
 *   named after the earlier assistant tool call with that id (Google matches by name). A tool
 *   result that is a JSON object is the response itself; anything else is `{"output": ...}`.
 * - Gemini 3 and later require the `thoughtSignature` they returned with a function call to be
 *   sent back; OpenAI clients cannot keep it, so the first function call of every assistant
 *   message carries Google's documented placeholder signature instead (the model then does not
 *   see its own earlier reasoning, which is all that is lost).
 * - tools -> one `functionDeclarations` tool, parameters converted to Google's schema subset
 *   (../shared/json-schema-to-gemini.ts); tool_choice -> `toolConfig.functionCallingConfig`.
 * - Sampling and length -> `generationConfig`; `response_format` json_object -> responseMimeType
 *   application/json, json_schema -> also `responseSchema`.
 * - Parameters Google cannot honour are dropped, each with a warning.
 * @see https://ai.google.dev/api/generate-content#request-body
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
import { invalidRequest } from "../../errors.ts";
import type { ChatCompletionRequest, JsonObject } from "../../openai-types.ts";
import { toGeminiParameters, toGeminiSchema } from "../shared/json-schema-to-gemini.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { createHeaders, generateContentUrl } from "./endpoint.ts";
import { isRecord } from "./gemini-api.ts";
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

function guessImageType(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return Object.hasOwn(imageTypesByExtension, extension) ? imageTypesByExtension[extension]! : "image/jpeg";
}

/** `data:<media type>[;params];base64,<data>` -> its media type and data; null when not base64. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) return null;
  const header = url.slice(5, comma);
  if (!header.endsWith(";base64")) return null;
  const mediaType = (header.split(";")[0] ?? "").toLowerCase();
  return mediaType.length > 0 ? { mediaType, data: url.slice(comma + 1) } : null;
}

function imagePart(part: JsonRecord, param: string): GeminiPart {
  const url = isRecord(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== "string") throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url.url`);
  if (url.startsWith("https://") || url.startsWith("http://")) return { fileData: { mimeType: guessImageType(url), fileUri: url } };
  const parsed = parseDataUrl(url);
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
  const parsed = typeof fileData === "string" ? parseDataUrl(fileData) : null;
  if (!parsed) {
    throw invalidRequest(
      `${param}: files must be given as base64 data (file.file_data = "data:<media type>;base64,..."); file ids are not supported by this provider.`,
      `${param}.file`,
    );
  }
  return { inlineData: { mimeType: parsed.mediaType, data: parsed.data } };
}

function userParts(content: unknown, param: string, provider: string): GeminiPart[] {
  if (typeof content === "string") return content.length > 0 ? [{ text: content }] : [];
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const parts: GeminiPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalidRequest(`${partParam} must be an object.`, partParam);
    if (part.type === "text") {
      if (typeof part.text !== "string") throw invalidRequest(`${partParam}.text must be a string.`, `${partParam}.text`);
      if (part.text.length > 0) parts.push({ text: part.text });
    } else if (part.type === "image_url") {
      parts.push(imagePart(part, partParam));
    } else if (part.type === "input_audio") {
      parts.push(audioPart(part, partParam));
    } else if (part.type === "file") {
      parts.push(filePart(part, partParam));
    } else {
      throw invalidRequest(`${partParam} has type "${String(part.type)}", which the ${provider} provider does not support.`, `${partParam}.type`);
    }
  }
  return parts;
}

/** Text of a system, developer, assistant or tool message (a string or text parts; refusal parts are skipped). */
function textOf(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  let text = "";
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    if (isRecord(part) && part.type === "refusal") continue;
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw invalidRequest(`${param}[${index}] must be a text part for this message role.`, `${param}[${index}]`);
    }
    text += part.text;
  }
  return text;
}

function parseArguments(text: unknown, param: string): JsonObject {
  if (typeof text !== "string" || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${param} is not valid JSON; tool call arguments must be a JSON object.`, param);
  }
  if (!isRecord(value)) throw invalidRequest(`${param} must be a JSON object.`, param);
  return value;
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
  for (let index = 0; index < input.length; index++) {
    const message: unknown = input[index];
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content, `${param}.content`);
        if (text.length > 0) system.push({ text });
        break;
      }
      case "user":
        append(contents, "user", userParts(message.content, `${param}.content`, provider));
        break;
      case "assistant": {
        const parts: GeminiPart[] = [];
        const text = textOf(message.content, `${param}.content`);
        if (text.length > 0) parts.push({ text });
        const toolCalls = message.tool_calls;
        if (toolCalls !== undefined && toolCalls !== null) {
          if (!Array.isArray(toolCalls)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
          for (let callIndex = 0; callIndex < toolCalls.length; callIndex++) {
            const call: unknown = toolCalls[callIndex];
            const callParam = `${param}.tool_calls[${callIndex}]`;
            if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string" || typeof call.id !== "string") {
              throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
            }
            toolNames.set(call.id, call.function.name);
            const args = parseArguments(call.function.arguments, `${callParam}.function.arguments`);
            parts.push(
              signFunctionCalls && callIndex === 0
                ? { functionCall: { name: call.function.name, args }, thoughtSignature: placeholderThoughtSignature }
                : { functionCall: { name: call.function.name, args } },
            );
          }
        }
        append(contents, "model", parts);
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
        append(contents, "user", [{ functionResponse: { name, response: toolResponse(textOf(message.content, `${param}.content`)) } }]);
        break;
      }
      default:
        throw invalidRequest(
          `${param}.role "${String(message.role)}" is not supported; use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  }
  if (contents.length === 0) throw invalidRequest("messages must contain at least one user or assistant message with content.", "messages");
  return { system, contents };
}

function convertTools(tools: unknown[], provider: string): GeminiFunctionDeclaration[] {
  return tools.map((tool: unknown, index): GeminiFunctionDeclaration => {
    const param = `tools[${index}]`;
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
      throw invalidRequest(`${param} must be a function tool with a name; the ${provider} provider supports only function tools.`, param);
    }
    const declaration: GeminiFunctionDeclaration = { name: tool.function.name };
    if (typeof tool.function.description === "string" && tool.function.description.length > 0) declaration.description = tool.function.description;
    const parameters = toGeminiParameters(tool.function.parameters);
    if (parameters !== undefined) declaration.parameters = parameters;
    return declaration;
  });
}

function convertToolChoice(choice: unknown): GeminiToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
  }
  throw invalidRequest('tool_choice must be "auto", "required", "none" or {"type": "function", "function": {"name": ...}}.', "tool_choice");
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

function generationConfig(request: ChatCompletionRequest, warnings: string[], provider: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxOutputTokens = maxTokens;
  if (typeof request.stop === "string") config.stopSequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) config.stopSequences = request.stop;
  if (typeof request.n === "number" && request.n > 1) config.candidateCount = request.n;
  if (typeof request.seed === "number") config.seed = request.seed;
  if (typeof request.presence_penalty === "number") config.presencePenalty = request.presence_penalty;
  if (typeof request.frequency_penalty === "number") config.frequencyPenalty = request.frequency_penalty;
  applyResponseFormat(request.response_format, config, warnings, provider);
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

  const config = generationConfig(request, warnings, provider);
  if (Object.keys(config).length > 0) body.generationConfig = config;

  for (const key of Object.keys(request)) {
    if (handledParameters.has(key)) continue;
    const value = request[key];
    if (value === undefined || value === null || value === false) continue;
    warnings.push(`${key} dropped: not supported by ${provider}`);
  }
  return { body, warnings };
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const { body, warnings } = convertToGeminiBody(request, deployment.model, "gemini");
  return {
    upstream: { url: generateContentUrl(deployment, stream), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
