/**
 * OpenAI chat request -> Cohere v2 chat request (`POST /v2/chat`).
 *
 * - Roles map one to one (developer becomes system). System and tool content is sent as text;
 *   user content keeps text and image_url parts (Cohere takes data: and https URLs).
 * - An assistant turn that calls tools sends its text as `tool_plan`, the place Cohere keeps the
 *   words a model says before calling tools.
 * - tool_choice: "required" -> REQUIRED, "none" -> NONE, "auto" -> Cohere's default; a named
 *   function has no Cohere equivalent and is emulated by offering only that tool, REQUIRED.
 *   A tool declared `strict` turns on `strict_tools`.
 * - top_p -> p, stop -> stop_sequences; seed and the penalties pass as they are.
 * - response_format json_object / json_schema -> `{type: "json_object", json_schema?}`; Cohere
 *   does not combine it with tools, so with tools it is dropped with a warning.
 * - Cohere's `documents` (RAG) are not part of the OpenAI request shape: a client that sends
 *   them as an extra field gets a warning and they are not forwarded. Everything else Cohere
 *   cannot honour is dropped, each with a warning.
 * @see https://docs.cohere.com/reference/chat
 */
import { invalidRequest } from "../../errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../openai-types.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { isRecord } from "./cohere-api.ts";
import type { CohereChatBody, CohereMessage, CohereTool, CohereToolCall, CohereUserContent } from "./cohere-api.ts";
import { chatUrl, createHeaders } from "./endpoint.ts";

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
  "stop",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "tools",
  "tool_choice",
  "response_format",
  "documents",
  "n",
]);

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

function userContent(content: unknown, param: string): string | CohereUserContent {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const parts: CohereUserContent = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalidRequest(`${partParam} must be an object.`, partParam);
    if (part.type === "text") {
      if (typeof part.text !== "string") throw invalidRequest(`${partParam}.text must be a string.`, `${partParam}.text`);
      parts.push({ type: "text", text: part.text });
    } else if (part.type === "image_url") {
      const image = isRecord(part.image_url) ? part.image_url : {};
      if (typeof image.url !== "string") throw invalidRequest(`${partParam}.image_url.url must be a string.`, `${partParam}.image_url.url`);
      parts.push({ type: "image_url", image_url: typeof image.detail === "string" ? { url: image.url, detail: image.detail } : { url: image.url } });
    } else {
      throw invalidRequest(`${partParam} has type "${String(part.type)}", which the cohere provider does not support.`, `${partParam}.type`);
    }
  }
  return parts;
}

function toolCallsOf(value: unknown, param: string): CohereToolCall[] {
  if (!Array.isArray(value)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
  return value.map((call: unknown, index): CohereToolCall => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string" || typeof call.id !== "string") {
      throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
    }
    const args = call.function.arguments;
    return { id: call.id, type: "function", function: { name: call.function.name, arguments: typeof args === "string" && args.trim() !== "" ? args : "{}" } };
  });
}

function convertMessages(input: unknown): CohereMessage[] {
  if (!Array.isArray(input) || input.length === 0) throw invalidRequest("messages must be a non-empty array.", "messages");
  const messages: CohereMessage[] = [];
  for (let index = 0; index < input.length; index++) {
    const message: unknown = input[index];
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    const typed = message as unknown as ChatMessage;
    switch (typed.role) {
      case "system":
      case "developer":
        messages.push({ role: "system", content: textOf(typed.content, `${param}.content`) });
        break;
      case "user":
        messages.push({ role: "user", content: userContent(typed.content, `${param}.content`) });
        break;
      case "assistant": {
        const text = textOf(typed.content, `${param}.content`);
        const hasCalls = typed.tool_calls !== undefined && typed.tool_calls !== null && (!Array.isArray(typed.tool_calls) || typed.tool_calls.length > 0);
        if (hasCalls) {
          const calls = toolCallsOf(typed.tool_calls, param);
          messages.push(text.length > 0 ? { role: "assistant", tool_plan: text, tool_calls: calls } : { role: "assistant", tool_calls: calls });
        } else if (text.length > 0) {
          messages.push({ role: "assistant", content: text });
        }
        break;
      }
      case "tool":
        if (typeof typed.tool_call_id !== "string") throw invalidRequest(`${param}.tool_call_id must be a string.`, `${param}.tool_call_id`);
        messages.push({ role: "tool", tool_call_id: typed.tool_call_id, content: textOf(typed.content, `${param}.content`) });
        break;
      default:
        throw invalidRequest(
          `${param}.role "${String((message as { role?: unknown }).role)}" is not supported; use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  }
  return messages;
}

function convertTools(tools: unknown): { tools: CohereTool[]; strict: boolean } {
  if (!Array.isArray(tools)) throw invalidRequest("tools must be an array.", "tools");
  let strict = false;
  const converted = tools.map((tool: unknown, index): CohereTool => {
    const param = `tools[${index}]`;
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
      throw invalidRequest(`${param} must be a function tool with a name; the cohere provider supports only function tools.`, param);
    }
    const fn = tool.function;
    if (fn.strict === true) strict = true;
    const result: CohereTool = {
      type: "function",
      function: { name: fn.name as string, parameters: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} } },
    };
    if (typeof fn.description === "string") result.function.description = fn.description;
    return result;
  });
  return { tools: converted, strict };
}

function applyTools(body: CohereChatBody, request: ChatCompletionRequest, warnings: string[]): void {
  const choice: unknown = request.tool_choice;
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  if (!hasTools) {
    if (choice !== undefined && choice !== null && choice !== "none" && choice !== "auto") warnings.push("tool_choice dropped: the request has no tools");
    return;
  }
  const { tools, strict } = convertTools(request.tools);
  body.tools = tools;
  if (strict) body.strict_tools = true;
  if (choice === undefined || choice === null || choice === "auto") return;
  if (choice === "required") body.tool_choice = "REQUIRED";
  else if (choice === "none") body.tool_choice = "NONE";
  else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    const name = choice.function.name;
    const chosen = tools.filter((tool) => tool.function.name === name);
    if (chosen.length === 0) throw invalidRequest(`tool_choice names the function "${name}", which is not in tools.`, "tool_choice");
    body.tools = chosen;
    body.tool_choice = "REQUIRED";
  } else {
    throw invalidRequest('tool_choice must be "auto", "required", "none" or {"type": "function", "function": {"name": ...}}.', "tool_choice");
  }
}

function applyResponseFormat(body: CohereChatBody, format: unknown, warnings: string[]): void {
  if (!isRecord(format) || format.type === "text") return;
  if (body.tools) {
    warnings.push("response_format dropped: cohere cannot combine a JSON response format with tools");
    return;
  }
  if (format.type === "json_object") {
    body.response_format = { type: "json_object" };
  } else if (format.type === "json_schema" && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
    body.response_format = { type: "json_object", json_schema: format.json_schema.schema };
  } else {
    warnings.push(`response_format dropped: type "${String(format.type)}" without a schema is not supported by cohere`);
  }
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const warnings: string[] = [];
  const body: CohereChatBody = { model: deployment.model, messages: convertMessages(request.messages), stream };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") body.max_tokens = maxTokens;
  if (typeof request.temperature === "number") body.temperature = request.temperature;
  if (typeof request.top_p === "number") body.p = request.top_p;
  if (typeof request.stop === "string") body.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) body.stop_sequences = request.stop;
  if (typeof request.seed === "number") body.seed = request.seed;
  if (typeof request.frequency_penalty === "number") body.frequency_penalty = request.frequency_penalty;
  if (typeof request.presence_penalty === "number") body.presence_penalty = request.presence_penalty;
  applyTools(body, request, warnings);
  applyResponseFormat(body, request.response_format, warnings);

  if (request.documents !== undefined && request.documents !== null) {
    warnings.push("documents dropped: gw's OpenAI-compatible API does not forward Cohere documents; put the text in the messages");
  }
  if (typeof request.n === "number" && request.n > 1) warnings.push(`n=${request.n} not supported by cohere: one choice is returned`);
  for (const key of Object.keys(request)) {
    if (handledParameters.has(key)) continue;
    const value = request[key];
    if (value === undefined || value === null || value === false) {
      if (!(key === "parallel_tool_calls" && value === false)) continue;
    }
    if (key === "parallel_tool_calls" && value === true) continue;
    warnings.push(`${key} dropped: not supported by cohere`);
  }

  return {
    upstream: { url: chatUrl(deployment), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
