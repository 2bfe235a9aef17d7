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
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { convertAssistantToolCalls } from "../shared/assistant-tool-calls.ts";
import { warnDroppedParameters } from "../shared/dropped-parameters.ts";
import { convertFunctionTools } from "../shared/function-tools.ts";
import { readMessageText } from "../shared/message-text.ts";
import { readStopSequences } from "../shared/stop-sequences.ts";
import { readToolChoice } from "../shared/tool-choice.ts";
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

/** Cohere takes the arguments as the JSON string OpenAI sends; missing or blank ones become "{}". */
function toolCallsOf(value: unknown, param: string): CohereToolCall[] {
  return convertAssistantToolCalls(value, param, ({ id, name, arguments: args }): CohereToolCall => ({
    id,
    type: "function",
    function: { name, arguments: typeof args === "string" && args.trim() !== "" ? args : "{}" },
  }));
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
        messages.push({ role: "system", content: readMessageText(typed.content, `${param}.content`) });
        break;
      case "user":
        messages.push({ role: "user", content: userContent(typed.content, `${param}.content`) });
        break;
      case "assistant": {
        const text = readMessageText(typed.content, `${param}.content`);
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
        messages.push({ role: "tool", tool_call_id: typed.tool_call_id, content: readMessageText(typed.content, `${param}.content`) });
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

function convertTools(tools: unknown[]): { tools: CohereTool[]; strict: boolean } {
  let strict = false;
  const converted = convertFunctionTools(tools, "cohere", (fn): CohereTool => {
    if (fn.strict === true) strict = true;
    const result: CohereTool = {
      type: "function",
      function: { name: fn.name, parameters: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} } },
    };
    if (typeof fn.description === "string") result.function.description = fn.description;
    return result;
  });
  return { tools: converted, strict };
}

function applyTools(body: CohereChatBody, request: ChatCompletionRequest, warnings: string[]): void {
  const requested = request.tools;
  if (!Array.isArray(requested) || requested.length === 0) {
    const choice: unknown = request.tool_choice;
    if (choice !== undefined && choice !== null && choice !== "none" && choice !== "auto") warnings.push("tool_choice dropped: the request has no tools");
    return;
  }
  const { tools, strict } = convertTools(requested);
  body.tools = tools;
  if (strict) body.strict_tools = true;
  const choice = readToolChoice(request.tool_choice);
  if (choice === undefined || choice === "auto") return;
  if (choice === "required") body.tool_choice = "REQUIRED";
  else if (choice === "none") body.tool_choice = "NONE";
  else {
    const chosen = tools.filter((tool) => tool.function.name === choice.name);
    if (chosen.length === 0) throw invalidRequest(`tool_choice names the function "${choice.name}", which is not in tools.`, "tool_choice");
    body.tools = chosen;
    body.tool_choice = "REQUIRED";
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
  const stop = readStopSequences(request.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof request.seed === "number") body.seed = request.seed;
  if (typeof request.frequency_penalty === "number") body.frequency_penalty = request.frequency_penalty;
  if (typeof request.presence_penalty === "number") body.presence_penalty = request.presence_penalty;
  applyTools(body, request, warnings);
  applyResponseFormat(body, request.response_format, warnings);

  if (request.documents !== undefined && request.documents !== null) {
    warnings.push("documents dropped: gw's OpenAI-compatible API does not forward Cohere documents; put the text in the messages");
  }
  if (typeof request.n === "number" && request.n > 1) warnings.push(`n=${request.n} not supported by cohere: one choice is returned`);
  // Cohere calls tools in parallel anyway: only parallel_tool_calls false is dropped.
  warnDroppedParameters(request, handledParameters, "cohere", warnings, { falseAsksNothing: true, providerDefaults: { parallel_tool_calls: true } });

  return {
    upstream: { url: chatUrl(deployment), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
