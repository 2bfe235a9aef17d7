/**
 * OpenAI chat request -> Anthropic Messages request.
 *
 * - system and developer messages before the first turn become `system` text blocks, in order; one
 *   sent later keeps its place as user text "System: ..." (shared/message-text.ts createSystemPlacement).
 * - Anthropic wants user and assistant turns to alternate: consecutive messages of the same
 *   role are merged; tool results become `tool_result` blocks of a user turn.
 * - `max_tokens` is required by Anthropic. When the client sends neither max_tokens nor
 *   max_completion_tokens, gw uses the model family's full output limit for Claude 3
 *   (4096) and 3.5 (8192) and 16384 for newer models: far above typical answers, so an
 *   OpenAI client is not cut short, yet low enough that a non-streaming call stays within
 *   Anthropic's ten-minute guidance for non-streaming requests.
 * - `response_format` json_object / json_schema is implemented with a forced tool whose
 *   input schema is the requested schema (Anthropic has no JSON mode); the tool input comes
 *   back as the message text. With client tools present (a forced tool would stop the model from
 *   calling them), a JSON schema goes as Anthropic's structured output instead (`output_format`,
 *   beta `structured-outputs-2025-11-13`) on the models that have it (Claude Opus 4.1, and 4.5 and
 *   later), where Anthropic itself is called; otherwise it is dropped with a warning.
 * - Anthropic refuses tool_use / tool_result blocks in a request without `tools`: when the history
 *   has tool calls but the request declares no tools, gw declares the tools the history names (open
 *   schema) with `tool_choice: none`, so the conversation goes on without new calls (as Bedrock's).
 * - Parameters Anthropic cannot honour are dropped, each with a warning.
 * @see https://docs.anthropic.com/en/api/messages
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage, TextPart } from "../../http/openai-types.ts";
import type { JsonRecord } from "../openai/openai-api.ts";
import { appendTurn } from "../shared/append-turn.ts";
import { convertAssistantToolCalls } from "../shared/assistant-tool-calls.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { warnDroppedParameters } from "../shared/dropped-parameters.ts";
import { convertFunctionTools } from "../shared/function-tools.ts";
import { readStopSequences } from "../shared/stop-sequences.ts";
import { parseToolCallArguments } from "../shared/tool-call-arguments.ts";
import { readToolChoice } from "../shared/tool-choice.ts";
import { toToolUseId } from "../shared/tool-use-id.ts";
import { createSystemPlacement, readSystemTexts } from "../shared/message-text.ts";
import { readReasoningRequest } from "../shared/reasoning-request.ts";
import { convertUserContent } from "../shared/user-content-parts.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { isRecord } from "./anthropic-api.ts";
import { responseFormatTool, responseFormatToolName } from "../shared/response-format-tool.ts";
import { defaultMaxTokens, isClaudeAtLeast, parseClaudeModel } from "./claude-models.ts";
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequestBody,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from "./anthropic-api.ts";
import { createHeaders, messagesUrl } from "./endpoint.ts";
import { readHistoryThinking, resolveClaudeThinking } from "./thinking.ts";

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
  "user",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "n",
  "logprobs",
  "reasoning_effort",
  "thinking",
]);

const imageMediaTypes: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);



function textBlocks(content: string | TextPart[], param: string): AnthropicTextBlock[] {
  if (typeof content === "string") return content.length > 0 ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  const blocks: AnthropicTextBlock[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    if (isRecord(part) && part.type === "refusal") continue;
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw invalidRequest(`${param}[${index}] must be a text part for this message role.`, `${param}[${index}]`);
    }
    if (part.text.length > 0) blocks.push({ type: "text", text: part.text });
  }
  return blocks;
}

function imageBlock(part: JsonRecord, param: string): AnthropicContentBlock {
  const imageUrl = isRecord(part.image_url) ? part.image_url.url : undefined;
  if (typeof imageUrl !== "string") throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url.url`);
  if (imageUrl.startsWith("https://") || imageUrl.startsWith("http://")) {
    return { type: "image", source: { type: "url", url: imageUrl } };
  }
  const parsed = parseDataUrl(imageUrl);
  if (!parsed) {
    throw invalidRequest(`${param}.image_url.url must be an http(s) URL or a base64 data: URL.`, `${param}.image_url.url`);
  }
  if (!imageMediaTypes.has(parsed.mediaType)) {
    throw invalidRequest(
      `${param}.image_url.url has media type "${parsed.mediaType}"; Anthropic accepts image/jpeg, image/png, image/gif and image/webp.`,
      `${param}.image_url.url`,
    );
  }
  return { type: "image", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
}

function fileBlock(part: JsonRecord, param: string): AnthropicContentBlock {
  const fileData = isRecord(part.file) ? part.file.file_data : undefined;
  const parsed = typeof fileData === "string" ? parseDataUrl(fileData) : null;
  if (!parsed || parsed.mediaType !== "application/pdf") {
    throw invalidRequest(
      `${param}: Anthropic accepts files only as base64 PDF data (file.file_data = "data:application/pdf;base64,..."); file ids are not supported.`,
      `${param}.file`,
    );
  }
  return { type: "document", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
}

const userPartConverters = { image_url: imageBlock, file: fileBlock };

function userBlocks(content: unknown, param: string): AnthropicContentBlock[] {
  return convertUserContent<AnthropicContentBlock>(content, param, "anthropic", (text) => ({ type: "text", text }), userPartConverters);
}

function assistantBlocks(message: Extract<ChatMessage, { role: "assistant" }>, param: string): AnthropicContentBlock[] {
  const thinking = readHistoryThinking(message);
  const text: AnthropicContentBlock[] =
    message.content === null || message.content === undefined ? [] : textBlocks(message.content, `${param}.content`);
  const calls = convertAssistantToolCalls(message.tool_calls, param, (call, callParam): AnthropicContentBlock => ({
    type: "tool_use",
    id: toToolUseId(call.id),
    name: call.name,
    input: parseToolCallArguments(call.arguments, `${callParam}.function.arguments`, "Anthropic"),
  }));
  // Thinking comes first in a turn, as Anthropic answered it (it checks the signatures).
  return [...thinking, ...text, ...calls];
}

function convertMessages(input: unknown): { system: AnthropicTextBlock[]; messages: AnthropicMessage[] } {
  if (!Array.isArray(input) || input.length === 0) throw invalidRequest("messages must be a non-empty array.", "messages");
  const system: AnthropicTextBlock[] = [];
  const messages: AnthropicMessage[] = [];
  // A system message after the first turn keeps its place (shared/message-text.ts).
  const placement = createSystemPlacement();
  const releaseSystem = (): void => {
    const held = placement.release();
    if (held.length > 0) appendTurn(messages, "user", held.map((text): AnthropicTextBlock => ({ type: "text", text })));
  };
  for (let index = 0; index < input.length; index++) {
    const message: unknown = input[index];
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    const typed = message as unknown as ChatMessage;
    switch (typed.role) {
      case "system":
      case "developer": {
        const texts = readSystemTexts(typed.content, `${param}.content`);
        if (placement.isPrompt(texts, messages.length > 0)) for (const text of texts) system.push({ type: "text", text });
        break;
      }
      case "user":
        releaseSystem();
        appendTurn(messages, "user", userBlocks(typed.content, `${param}.content`));
        break;
      case "assistant":
        releaseSystem();
        appendTurn(messages, "assistant", assistantBlocks(typed, param));
        break;
      case "tool": {
        if (typeof typed.tool_call_id !== "string") throw invalidRequest(`${param}.tool_call_id must be a string.`, `${param}.tool_call_id`);
        const content = typeof typed.content === "string" ? typed.content : textBlocks(typed.content, `${param}.content`);
        appendTurn(messages, "user", [{ type: "tool_result", tool_use_id: toToolUseId(typed.tool_call_id), content }]);
        break;
      }
      default:
        throw invalidRequest(
          `${param}.role "${String((message as { role?: unknown }).role)}" is not supported; use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  }
  releaseSystem();
  if (messages.length === 0) throw invalidRequest("messages must contain at least one user or assistant message with content.", "messages");
  return { system, messages };
}

function convertTools(tools: unknown[]): AnthropicTool[] {
  return convertFunctionTools(tools, "anthropic", (fn, param): AnthropicTool => {
    if (fn.name === responseFormatToolName) throw invalidRequest(`${param}: the tool name "${responseFormatToolName}" is reserved by gw.`, `${param}.function.name`);
    const converted: AnthropicTool = { name: fn.name, input_schema: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} } };
    if (typeof fn.description === "string") converted.description = fn.description;
    return converted;
  });
}

function convertToolChoice(input: unknown, parallel: unknown): AnthropicToolChoice | undefined {
  const choice = readToolChoice(input);
  const disableParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: "auto", disable_parallel_tool_use: true } : undefined;
  if (choice === "auto") return { type: "auto", ...disableParallel };
  if (choice === "required") return { type: "any", ...disableParallel };
  if (choice === "none") return { type: "none" };
  return { type: "tool", name: choice.name, ...disableParallel };
}

/** The forced tool standing in for response_format (shared/response-format-tool.ts); null when the format asks for plain text. */
function responseFormatToolOf(format: unknown, warnings: string[]): AnthropicTool | null {
  const tool = responseFormatTool(format, "anthropic", warnings);
  return tool === null ? null : { name: tool.name, description: tool.description, input_schema: tool.schema as AnthropicTool["input_schema"] };
}

/** Extended thinking within Claude's rules (thinking.ts); without it, thinking blocks sent back in the history are left out. */
function applyThinking(request: ChatCompletionRequest, body: AnthropicRequestBody, warnings: string[]): void {
  const forcedTool = body.tool_choice !== undefined && (body.tool_choice.type === "any" || body.tool_choice.type === "tool");
  const thinking = resolveClaudeThinking(
    readReasoningRequest(request),
    { maxTokens: body.max_tokens, temperature: body.temperature, topP: body.top_p, forcedTool },
    "anthropic",
    warnings,
  );
  if (thinking === null) {
    for (const message of body.messages) {
      if (message.role === "assistant") message.content = message.content.filter((block) => block.type !== "thinking" && block.type !== "redacted_thinking");
    }
    return;
  }
  body.thinking = { type: "enabled", budget_tokens: thinking.budgetTokens };
  body.temperature = thinking.temperature;
  body.top_p = thinking.topP;
}

/** Tools for the tool calls in the history of a request that declares none, and no new calls (see the top). */
function declareHistoryTools(body: AnthropicRequestBody): void {
  const names = new Set<string>();
  let toolBlocks = false;
  for (const message of body.messages) {
    if (typeof message.content === "string") continue;
    for (const block of message.content) {
      if (block.type === "tool_use") names.add(block.name);
      if (block.type === "tool_use" || block.type === "tool_result") toolBlocks = true;
    }
  }
  if (!toolBlocks) return;
  const declared = new Set((body.tools ?? []).map((tool) => tool.name));
  const added: AnthropicTool[] = [];
  for (const name of names) {
    if (!declared.has(name)) added.push({ name, description: "A tool called earlier in this conversation.", input_schema: { type: "object", properties: {} } });
  }
  if (added.length === 0) return;
  body.tools = [...(body.tools ?? []), ...added];
  // A forced response-format tool keeps its choice; otherwise no new tool calls.
  body.tool_choice ??= { type: "none" };
}

/** The beta flag Anthropic's structured outputs need. */
export const structuredOutputsBeta = "structured-outputs-2025-11-13";

/** Whether the model has Anthropic's structured outputs (Claude Opus 4.1, and every Claude 4.5 and later). */
export function hasStructuredOutputs(model: string): boolean {
  const claude = parseClaudeModel(model);
  return isClaudeAtLeast(claude, 4, 5) || (claude?.family === "opus" && isClaudeAtLeast(claude, 4, 1));
}

/**
 * The Messages body and its warnings, without URL or headers (Vertex AI sends the same body to its own URL).
 * `structuredOutputs`: the platform takes Anthropic's `output_format` (Anthropic's own API).
 */
export function convertToAnthropicBody(
  request: ChatCompletionRequest,
  model: string,
  stream: boolean,
  structuredOutputs = false,
): { body: AnthropicRequestBody; warnings: string[] } {
  const warnings: string[] = [];
  const { system, messages } = convertMessages(request.messages);
  const body: AnthropicRequestBody = {
    model,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens(model),
  };
  if (system.length > 0) body.system = system;
  if (typeof request.temperature === "number") {
    if (request.temperature > 1) warnings.push(`temperature ${request.temperature} lowered to 1, anthropic's maximum`);
    body.temperature = Math.min(request.temperature, 1);
  }
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  const stop = readStopSequences(request.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof request.user === "string" && request.user.length > 0) body.metadata = { user_id: request.user };

  const tools = request.tools;
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (hasTools) {
    body.tools = convertTools(tools);
    const toolChoice = convertToolChoice(request.tool_choice, request.parallel_tool_calls);
    if (toolChoice) body.tool_choice = toolChoice;
  } else if (request.tool_choice !== undefined && request.tool_choice !== null && request.tool_choice !== "none" && request.tool_choice !== "auto") {
    warnings.push("tool_choice dropped: the request has no tools");
  }
  if (request.response_format !== undefined && request.response_format !== null) {
    if (hasTools) {
      const format = request.response_format;
      const schema = isRecord(format) && format.type === "json_schema" && isRecord(format.json_schema) ? format.json_schema.schema : undefined;
      if (structuredOutputs && isRecord(schema) && hasStructuredOutputs(model)) {
        body.output_format = { type: "json_schema", schema };
      } else if (isRecord(format) && format.type !== "text") {
        warnings.push(
          structuredOutputs && isRecord(schema)
            ? `response_format dropped: ${model} has no structured outputs, and a forced tool would keep it from calling the request's tools`
            : "response_format dropped: anthropic cannot combine a JSON object format (no schema) with tools",
        );
      }
    } else {
      const tool = responseFormatToolOf(request.response_format, warnings);
      if (tool) {
        body.tools = [tool];
        body.tool_choice = { type: "tool", name: responseFormatToolName };
      }
    }
  }
  if (!hasTools) declareHistoryTools(body);
  applyThinking(request, body, warnings);
  if (typeof request.n === "number" && request.n > 1) warnings.push(`n=${request.n} not supported by anthropic: one choice is returned`);
  if (request.logprobs === true) warnings.push("logprobs dropped: not supported by anthropic");
  warnDroppedParameters(request, handledParameters, "anthropic", warnings);
  if (stream) body.stream = true;
  return { body, warnings };
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const { body, warnings } = convertToAnthropicBody(request, deployment.model, stream, true);
  const headers = createHeaders(deployment, stream);
  if (body.output_format !== undefined) headers["anthropic-beta"] = headers["anthropic-beta"] === undefined ? structuredOutputsBeta : `${headers["anthropic-beta"]},${structuredOutputsBeta}`;
  return {
    upstream: { url: messagesUrl(deployment), method: "POST", headers, body: JSON.stringify(body) },
    warnings,
  };
}
