/**
 * OpenAI chat request -> Ollama `POST /api/chat`.
 *
 * - Messages: text parts are joined into `content`; images must be base64 `data:` URLs and go
 *   to `images` (Ollama cannot fetch a URL, and gw does no I/O while converting: an http(s)
 *   image is a 400). `developer` is `system`. Assistant tool calls get their `arguments` parsed
 *   into the object Ollama expects; tool results carry `tool_name`, found in the assistant
 *   message that made the call (Ollama pairs results by name, not by id).
 * - `response_format` json_object -> `format: "json"`, json_schema -> `format: <schema>`.
 * - temperature, top_p, seed, stop, max_(completion_)tokens (`num_predict`), presence and
 *   frequency penalties -> `options`; a client's own Ollama `options`, `keep_alive` and
 *   `think` pass through; `reasoning_effort` becomes `think` ("none"/"minimal": off).
 * - Ollama has no tool_choice: "none" sends no tools; a named function is offered alone;
 *   "required" is dropped with a warning. Other parameters are dropped with a warning each.
 * - `stream` is always sent: Ollama streams unless told `false`.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage, JsonObject } from "../../http/openai-types.ts";
import { warnDroppedParameters } from "../shared/dropped-parameters.ts";
import { readStopSequences } from "../shared/stop-sequences.ts";
import { collectToolCallNames } from "../shared/tool-call-names.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { chatUrl, createHeaders } from "./endpoint.ts";
import { isRecord } from "./ollama-api.ts";
import type { OllamaChatRequest, OllamaMessage, OllamaOptions, OllamaTool, OllamaToolCall } from "./ollama-api.ts";

/** Request fields this converter reads; anything else the client sets is dropped with a warning. */
const handledParameters: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "stream",
  "stream_options",
  "temperature",
  "top_p",
  "seed",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "tools",
  "tool_choice",
  "response_format",
  "reasoning_effort",
  "n",
  "options",
  "keep_alive",
  "think",
]);

const dataUrlPattern = /^data:[^,]*?;base64,(.*)$/s;

interface MessageContent {
  text: string;
  images: string[];
}

function readContent(content: unknown, param: string, allowImages: boolean): MessageContent {
  if (typeof content === "string") return { text: content, images: [] };
  if (content === null || content === undefined) return { text: "", images: [] };
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const texts: string[] = [];
  const images: string[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (isRecord(part) && part.type === "text" && typeof part.text === "string") {
      texts.push(part.text);
    } else if (allowImages && isRecord(part) && part.type === "image_url") {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url;
      const match = typeof url === "string" ? dataUrlPattern.exec(url) : null;
      if (match === null) {
        throw invalidRequest(
          `${partParam}.image_url must be a base64 data: URL (data:image/png;base64,...): Ollama takes images inline and cannot fetch a URL.`,
          `${partParam}.image_url`,
        );
      }
      images.push(match[1]!);
    } else {
      const type = isRecord(part) && typeof part.type === "string" ? `"${part.type}" ` : "";
      throw invalidRequest(`${partParam}: content part ${type}is not supported by ollama${allowImages ? " (text and image_url only)" : " for this role (text only)"}.`, partParam);
    }
  }
  return { text: texts.join("\n"), images };
}

function parseArguments(value: unknown, param: string): JsonObject {
  if (isRecord(value)) return value;
  if (value === undefined || value === null || value === "") return {};
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isRecord(parsed)) return parsed;
    } catch {
      // reported below
    }
  }
  throw invalidRequest(`${param} must be a JSON object (as a string): Ollama needs tool call arguments as an object.`, param);
}

function convertToolCalls(toolCalls: unknown, param: string): OllamaToolCall[] {
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param} must be an array of tool calls.`, param);
  return toolCalls.map((call: unknown, index): OllamaToolCall => {
    const callParam = `${param}[${index}]`;
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") {
      throw invalidRequest(`${callParam} must have a function with a name.`, callParam);
    }
    return { function: { name: call.function.name, arguments: parseArguments(call.function.arguments, `${callParam}.function.arguments`) } };
  });
}

function convertMessages(messages: ChatMessage[]): OllamaMessage[] {
  const toolNames = collectToolCallNames(messages);
  return messages.map((message, index): OllamaMessage => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: readContent(message.content, `${param}.content`, false).text };
      case "user": {
        const { text, images } = readContent(message.content, `${param}.content`, true);
        return images.length > 0 ? { role: "user", content: text, images } : { role: "user", content: text };
      }
      case "assistant": {
        const result: OllamaMessage = { role: "assistant", content: readContent(message.content, `${param}.content`, false).text };
        if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
          result.tool_calls = convertToolCalls(message.tool_calls, `${param}.tool_calls`);
        }
        return result;
      }
      case "tool": {
        const result: OllamaMessage = { role: "tool", content: readContent(message.content, `${param}.content`, false).text };
        const name = typeof message.tool_call_id === "string" ? toolNames.get(message.tool_call_id) : undefined;
        if (name !== undefined) result.tool_name = name;
        return result;
      }
      default:
        throw invalidRequest(
          `${param}.role "${String((message as { role: unknown }).role)}" is not supported: use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  });
}

function convertTools(tools: unknown): OllamaTool[] {
  if (!Array.isArray(tools)) throw invalidRequest("tools must be an array of function tools.", "tools");
  return tools.map((tool: unknown, index): OllamaTool => {
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
      throw invalidRequest(`tools[${index}] must be {"type": "function", "function": {"name": ...}}.`, `tools[${index}]`);
    }
    const converted: OllamaTool = { type: "function", function: { name: tool.function.name } };
    if (typeof tool.function.description === "string") converted.function.description = tool.function.description;
    if (isRecord(tool.function.parameters)) converted.function.parameters = tool.function.parameters;
    return converted;
  });
}

/** Tools to send, given tool_choice; undefined for none. */
function selectTools(request: ChatCompletionRequest, warnings: string[]): OllamaTool[] | undefined {
  const choice: unknown = request.tool_choice;
  if (request.tools === undefined || request.tools === null || (Array.isArray(request.tools) && request.tools.length === 0)) return undefined;
  const tools = convertTools(request.tools);
  if (choice === undefined || choice === null || choice === "auto") return tools;
  if (choice === "none") return undefined;
  if (choice === "required") {
    warnings.push('tool_choice "required" dropped: ollama cannot force a tool call, the model decides');
    return tools;
  }
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    const name = choice.function.name;
    const chosen = tools.filter((tool) => tool.function.name === name);
    if (chosen.length === 0) throw invalidRequest(`tool_choice names the function "${name}", which is not in tools.`, "tool_choice");
    warnings.push(`tool_choice: ollama cannot force a tool call; only "${name}" was offered to the model`);
    return chosen;
  }
  throw invalidRequest('tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}.', "tool_choice");
}

function convertFormat(format: unknown): OllamaChatRequest["format"] {
  if (format === undefined || format === null || !isRecord(format) || format.type === "text") return undefined;
  if (format.type === "json_object") return "json";
  if (format.type === "json_schema") {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (!isRecord(schema)) throw invalidRequest("response_format.json_schema.schema must be a JSON schema object.", "response_format.json_schema.schema");
    return schema;
  }
  throw invalidRequest('response_format.type must be "text", "json_object" or "json_schema".', "response_format.type");
}

function convertOptions(request: ChatCompletionRequest): OllamaOptions | undefined {
  const options: OllamaOptions = isRecord(request.options) ? { ...request.options } : {};
  if (typeof request.temperature === "number") options.temperature = request.temperature;
  if (typeof request.top_p === "number") options.top_p = request.top_p;
  if (typeof request.seed === "number") options.seed = request.seed;
  const stop = readStopSequences(request.stop);
  if (stop) options.stop = stop;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") options.num_predict = maxTokens;
  if (typeof request.presence_penalty === "number") options.presence_penalty = request.presence_penalty;
  if (typeof request.frequency_penalty === "number") options.frequency_penalty = request.frequency_penalty;
  return Object.keys(options).length > 0 ? options : undefined;
}

function convertThink(request: ChatCompletionRequest): boolean | string | undefined {
  if (typeof request.think === "boolean" || typeof request.think === "string") return request.think;
  const effort = request.reasoning_effort;
  if (effort === "none" || effort === "minimal") return false;
  if (effort === "low" || effort === "medium" || effort === "high") return effort;
  return undefined;
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const warnings: string[] = [];
  const body: OllamaChatRequest = { model: deployment.model, messages: convertMessages(request.messages), stream };
  const tools = selectTools(request, warnings);
  if (tools !== undefined) body.tools = tools;
  const format = convertFormat(request.response_format);
  if (format !== undefined) body.format = format;
  const options = convertOptions(request);
  if (options !== undefined) body.options = options;
  const think = convertThink(request);
  if (think !== undefined) body.think = think;
  if (typeof request.keep_alive === "string" || typeof request.keep_alive === "number") body.keep_alive = request.keep_alive;
  if (typeof request.n === "number" && request.n > 1) warnings.push(`n=${request.n} not supported by ollama: one choice is returned`);
  warnDroppedParameters(request, handledParameters, "ollama", warnings);
  return {
    upstream: { url: chatUrl(deployment), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
