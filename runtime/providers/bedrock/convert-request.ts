/**
 * OpenAI chat request -> Bedrock Converse request (`POST /model/{modelId}/converse[-stream]`).
 *
 * - system and developer messages, wherever they appear, become `system` text blocks, in order.
 * - Converse wants user and assistant turns to alternate: consecutive messages of the same role
 *   are merged; tool results become `toolResult` blocks of a user turn. Empty text is left out
 *   (Bedrock rejects blank text blocks); an empty tool result is sent as "(empty)".
 * - Images must be base64 `data:` URLs (png, jpeg, gif, webp): Converse takes image bytes or S3
 *   locations, never http(s) URLs, so such a URL is a 400 naming the part rather than an answer
 *   to a question whose image was silently dropped. PDFs and other documents come as `file`
 *   parts with base64 `file_data`.
 * - Converse refuses toolUse / toolResult blocks without a `toolConfig`: when the history has
 *   tool calls but the request has no tools (or tool_choice "none"), gw declares the tools the
 *   history names, with an open schema. Converse has no "none" tool choice: without tool history
 *   the tools are simply not sent; with it, the choice cannot be enforced and gw warns.
 * - `response_format` json_schema / json_object uses Converse structured output
 *   (`outputConfig.textFormat`; json_object asks for any JSON object) on the models AWS offers it for
 *   (hasStructuredOutput); on the others, a forced tool whose input schema is the schema
 *   (shared/response-format-tool.ts), its input returned as the text, unless the request has tools
 *   of its own (then it is dropped with a warning: a forced tool would keep the model from them).
 * - `max_tokens`, `temperature`, `top_p` and `stop` go to `inferenceConfig`; parameters
 *   Converse cannot honour are dropped, each with a warning.
 * - `reasoning_effort` or an Anthropic-style `thinking` object turn on Claude's extended thinking
 *   (see applyThinking); thinking blocks sent back in an assistant message (`thinking_blocks`) are
 *   `reasoningContent` blocks, first in their turn, signatures kept.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage, JsonObject } from "../../http/openai-types.ts";
import { defaultMaxTokens, isClaudeAtLeast, parseClaudeModel } from "../anthropic/claude-models.ts";
import { readHistoryThinking, resolveClaudeThinking } from "../anthropic/thinking.ts";
import type { ClaudeThinking } from "../anthropic/thinking.ts";
import { appendTurn } from "../shared/append-turn.ts";
import { convertAssistantToolCalls } from "../shared/assistant-tool-calls.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { warnDroppedParameters } from "../shared/dropped-parameters.ts";
import { convertFunctionTools } from "../shared/function-tools.ts";
import { createSystemPlacement, readMessageText, readSystemTexts } from "../shared/message-text.ts";
import { readReasoningRequest } from "../shared/reasoning-request.ts";
import { responseFormatTool, responseFormatToolName } from "../shared/response-format-tool.ts";
import { readStopSequences } from "../shared/stop-sequences.ts";
import { parseToolCallArguments } from "../shared/tool-call-arguments.ts";
import { readToolChoice } from "../shared/tool-choice.ts";
import { toToolUseId } from "../shared/tool-use-id.ts";
import { convertUserContent } from "../shared/user-content-parts.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { isRecord } from "./bedrock-api.ts";
import type {
  BedrockContentBlock,
  BedrockConverseBody,
  BedrockDocumentFormat,
  BedrockImageFormat,
  BedrockInferenceConfig,
  BedrockMessage,
  BedrockOutputConfig,
  BedrockTool,
  BedrockToolChoice,
  JsonRecord,
} from "./bedrock-api.ts";
import { converseUrl, createHeaders } from "./endpoint.ts";

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
  "tools",
  "tool_choice",
  "response_format",
  "n",
  "reasoning_effort",
  "thinking",
]);

const imageFormats: Readonly<Record<string, BedrockImageFormat>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const documentFormats: Readonly<Record<string, BedrockDocumentFormat>> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

function imageBlock(part: JsonRecord, param: string): BedrockContentBlock {
  const url = isRecord(part.image_url) ? part.image_url.url : undefined;
  const urlParam = `${param}.image_url.url`;
  if (typeof url !== "string") throw invalidRequest(`${urlParam} must be a string.`, urlParam);
  if (url.startsWith("http://") || url.startsWith("https://")) {
    throw invalidRequest(
      `${urlParam}: bedrock cannot fetch images from URLs; send the image inline as a base64 data: URL (data:image/png;base64,...).`,
      urlParam,
    );
  }
  const parsed = parseDataUrl(url);
  if (!parsed) throw invalidRequest(`${urlParam} must be a base64 data: URL.`, urlParam);
  const format = Object.hasOwn(imageFormats, parsed.mediaType) ? imageFormats[parsed.mediaType] : undefined;
  if (!format) {
    throw invalidRequest(`${urlParam} has media type "${parsed.mediaType}"; bedrock accepts image/png, image/jpeg, image/gif and image/webp.`, urlParam);
  }
  return { image: { format, source: { bytes: parsed.data } } };
}

/** Bedrock document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
function documentName(filename: unknown, position: number): string {
  const base = typeof filename === "string" ? filename.replace(/\.[A-Za-z0-9]+$/, "") : "";
  const cleaned = base.replace(/[^A-Za-z0-9\s\-()[\]]/g, " ").replace(/\s+/g, " ").trim();
  return cleaned.length > 0 ? cleaned.slice(0, 200) : `document ${position + 1}`;
}

function documentBlock(part: JsonRecord, param: string, position: number): BedrockContentBlock {
  const file = isRecord(part.file) ? part.file : {};
  const parsed = typeof file.file_data === "string" ? parseDataUrl(file.file_data) : null;
  const format = parsed && Object.hasOwn(documentFormats, parsed.mediaType) ? documentFormats[parsed.mediaType] : undefined;
  if (!parsed || !format) {
    throw invalidRequest(
      `${param}: bedrock accepts files only as base64 data (file.file_data = "data:application/pdf;base64,...") of type pdf, csv, doc, docx, xls, xlsx, html, txt or md; file ids are not supported.`,
      `${param}.file`,
    );
  }
  return { document: { format, name: documentName(file.filename, position), source: { bytes: parsed.data } } };
}

/** `counter` numbers the documents of the whole conversation (unnamed ones are called "document <n>"). */
function userBlocks(content: unknown, param: string, counter: { documents: number }): BedrockContentBlock[] {
  return convertUserContent<BedrockContentBlock>(content, param, "bedrock", (text) => ({ text }), {
    image_url: imageBlock,
    file: (part, partParam) => documentBlock(part, partParam, counter.documents++),
  });
}

/** Claude's thinking blocks sent back in the history (`thinking_blocks`, as gw answers them) as Converse reasoningContent. */
function reasoningBlocks(message: unknown): BedrockContentBlock[] {
  return readHistoryThinking(message).map((block): BedrockContentBlock =>
    block.type === "thinking"
      ? { reasoningContent: { reasoningText: { text: block.thinking, signature: block.signature } } }
      : { reasoningContent: { redactedContent: block.data } },
  );
}

function assistantBlocks(message: Extract<ChatMessage, { role: "assistant" }>, param: string, toolNames: Set<string>): BedrockContentBlock[] {
  const text = readMessageText(message.content, `${param}.content`);
  const calls = convertAssistantToolCalls(message.tool_calls, param, (call, callParam): BedrockContentBlock => {
    toolNames.add(call.name);
    const input = parseToolCallArguments(call.arguments, `${callParam}.function.arguments`, "bedrock");
    return { toolUse: { toolUseId: toToolUseId(call.id), name: call.name, input } };
  });
  // Thinking comes first in a turn, as Claude answered it (it checks the signatures).
  return [...reasoningBlocks(message), ...(text.length > 0 ? [{ text }] : []), ...calls];
}

interface ConvertedMessages {
  system: Array<{ text: string }>;
  messages: BedrockMessage[];
  /** Names of the tools called in the history (a toolConfig must declare them). */
  historyToolNames: Set<string>;
  hasToolBlocks: boolean;
}

function convertMessages(input: unknown): ConvertedMessages {
  if (!Array.isArray(input) || input.length === 0) throw invalidRequest("messages must be a non-empty array.", "messages");
  const system: Array<{ text: string }> = [];
  const messages: BedrockMessage[] = [];
  const historyToolNames = new Set<string>();
  const counter = { documents: 0 };
  let hasToolBlocks = false;
  // A system message after the first turn keeps its place (shared/message-text.ts).
  const placement = createSystemPlacement();
  const releaseSystem = (): void => {
    const held = placement.release();
    if (held.length > 0) appendTurn(messages, "user", held.map((text): BedrockContentBlock => ({ text })));
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
        if (placement.isPrompt(texts, messages.length > 0)) for (const text of texts) system.push({ text });
        break;
      }
      case "user":
        releaseSystem();
        appendTurn(messages, "user", userBlocks(typed.content, `${param}.content`, counter));
        break;
      case "assistant": {
        releaseSystem();
        const blocks = assistantBlocks(typed, param, historyToolNames);
        if (blocks.some((block) => "toolUse" in block)) hasToolBlocks = true;
        appendTurn(messages, "assistant", blocks);
        break;
      }
      case "tool": {
        if (typeof typed.tool_call_id !== "string") throw invalidRequest(`${param}.tool_call_id must be a string.`, `${param}.tool_call_id`);
        const text = readMessageText(typed.content, `${param}.content`);
        hasToolBlocks = true;
        appendTurn(messages, "user", [{ toolResult: { toolUseId: toToolUseId(typed.tool_call_id), content: [{ text: text.length > 0 ? text : "(empty)" }] } }]);
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
  return { system, messages, historyToolNames, hasToolBlocks };
}

function convertTools(tools: unknown[]): BedrockTool[] {
  return convertFunctionTools(tools, "bedrock", (fn, param): BedrockTool => {
    if (fn.name === responseFormatToolName) throw invalidRequest(`${param}: the tool name "${responseFormatToolName}" is reserved by gw.`, `${param}.function.name`);
    const spec: BedrockTool["toolSpec"] = {
      name: fn.name,
      inputSchema: { json: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} } },
    };
    if (typeof fn.description === "string" && fn.description.length > 0) spec.description = fn.description;
    return { toolSpec: spec };
  });
}

/** Tools declared only so that Converse accepts the tool calls and results in the history. */
function historyTools(names: Set<string>, declared: BedrockTool[]): BedrockTool[] {
  const known = new Set(declared.map((tool) => tool.toolSpec.name));
  const added: BedrockTool[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    added.push({ toolSpec: { name, description: "A tool called earlier in this conversation.", inputSchema: { json: { type: "object", properties: {} } } } });
  }
  return added;
}

function convertToolChoice(input: unknown): BedrockToolChoice | "none" | undefined {
  const choice = readToolChoice(input);
  if (choice === undefined || choice === "none") return choice;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  return { tool: { name: choice.name } };
}

function toolConfigOf(
  request: ChatCompletionRequest,
  history: ConvertedMessages,
  warnings: string[],
): BedrockConverseBody["toolConfig"] | undefined {
  const declared = Array.isArray(request.tools) && request.tools.length > 0 ? convertTools(request.tools) : [];
  const choice = convertToolChoice(request.tool_choice);
  if (declared.length === 0 && choice !== undefined && choice !== "none" && !("auto" in choice)) {
    warnings.push("tool_choice dropped: the request has no tools");
  }
  if (choice === "none") {
    if (!history.hasToolBlocks) return undefined;
    if (declared.length > 0) warnings.push('tool_choice "none" cannot be enforced by bedrock when the conversation has tool calls; the model may call a tool');
    const tools = [...declared, ...historyTools(history.historyToolNames, declared)];
    return tools.length > 0 ? { tools } : undefined;
  }
  const tools = history.hasToolBlocks ? [...declared, ...historyTools(history.historyToolNames, declared)] : declared;
  if (tools.length === 0) return undefined;
  return declared.length > 0 && choice !== undefined ? { tools, toolChoice: choice } : { tools };
}

/**
 * Whether Converse offers structured output (outputConfig.textFormat) for the model: Claude 4.5 and
 * later, and the open-weight families AWS lists (Qwen, DeepSeek, Mistral, Gemma, Nemotron, MiniMax,
 * Kimi, gpt-oss). Others (Nova, Llama, Titan, Cohere, AI21, older Claude) take the forced tool.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html
 */
export function hasStructuredOutput(model: string): boolean {
  const claude = parseClaudeModel(model);
  if (claude !== null) return isClaudeAtLeast(claude, 4, 5);
  return /qwen|deepseek|mistral|magistral|pixtral|gemma|nemotron|minimax|moonshot|kimi|gpt-oss/i.test(model);
}

function outputConfigOf(format: unknown, warnings: string[]): BedrockOutputConfig | undefined {
  if (!isRecord(format) || format.type === "text") return undefined;
  if (format.type === "json_object") {
    return { textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify({ type: "object" }), name: "json_object" } } } };
  }
  if (format.type === "json_schema" && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
    const definition = format.json_schema;
    const jsonSchema: BedrockOutputConfig["textFormat"]["structure"]["jsonSchema"] = { schema: JSON.stringify(definition.schema) };
    if (typeof definition.name === "string") jsonSchema.name = definition.name;
    if (typeof definition.description === "string") jsonSchema.description = definition.description;
    return { textFormat: { type: "json_schema", structure: { jsonSchema } } };
  }
  warnings.push(`response_format dropped: type "${String(format.type)}" without a schema is not supported by bedrock`);
  return undefined;
}

/**
 * Extended thinking for Claude models, within Claude's rules (../anthropic/thinking.ts), as
 * `additionalModelRequestFields.thinking`. Bedrock's default max tokens is the model's own and may
 * be below the budget: with thinking on, gw sends Anthropic's default when the client gave none.
 * Other model families have no thinking control gw can set: the request is dropped with a warning.
 * Without thinking, thinking blocks sent back in the history are left out.
 */
function applyThinking(request: ChatCompletionRequest, model: string, body: BedrockConverseBody, warnings: string[]): void {
  const reasoning = readReasoningRequest(request);
  const inference = body.inferenceConfig ?? {};
  let thinking: ClaudeThinking | null = null;
  if (parseClaudeModel(model) !== null) {
    const choice = body.toolConfig?.toolChoice;
    const forcedTool = choice !== undefined && ("any" in choice || "tool" in choice);
    const sampling = { maxTokens: inference.maxTokens ?? defaultMaxTokens(model), temperature: inference.temperature, topP: inference.topP, forcedTool };
    thinking = resolveClaudeThinking(reasoning, sampling, "bedrock", warnings);
    if (thinking !== null) {
      body.additionalModelRequestFields = { thinking: { type: "enabled", budget_tokens: thinking.budgetTokens } };
      body.inferenceConfig = { ...inference, maxTokens: sampling.maxTokens, temperature: thinking.temperature, topP: thinking.topP };
    }
  } else if (reasoning !== null && reasoning.kind !== "disabled" && !(reasoning.kind === "effort" && reasoning.effort === "none")) {
    warnings.push(`${reasoning.kind === "effort" ? "reasoning_effort" : "thinking"} dropped: gw sets thinking on bedrock only for Anthropic Claude models`);
  }
  if (thinking === null) {
    for (const message of body.messages) {
      if (message.role === "assistant") message.content = message.content.filter((block) => !("reasoningContent" in block));
    }
  }
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const warnings: string[] = [];
  const converted = convertMessages(request.messages);
  const body: BedrockConverseBody = { messages: converted.messages };
  if (converted.system.length > 0) body.system = converted.system;

  const inference: BedrockInferenceConfig = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") inference.maxTokens = maxTokens;
  if (typeof request.temperature === "number") inference.temperature = request.temperature;
  if (typeof request.top_p === "number") inference.topP = request.top_p;
  const stop = readStopSequences(request.stop);
  if (stop) inference.stopSequences = stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const toolConfig = toolConfigOf(request, converted, warnings);
  if (toolConfig) body.toolConfig = toolConfig;
  const format = request.response_format;
  if (hasStructuredOutput(deployment.model)) {
    const outputConfig = outputConfigOf(format, warnings);
    if (outputConfig) body.outputConfig = outputConfig;
  } else if (isRecord(format) && format.type !== "text") {
    if (Array.isArray(request.tools) && request.tools.length > 0) {
      warnings.push(`response_format dropped: ${deployment.model} has no structured output on bedrock, and a forced tool would keep it from calling the request's tools`);
    } else {
      const tool = responseFormatTool(format, "bedrock", warnings);
      if (tool !== null) {
        const forced: BedrockTool = { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.schema as JsonObject } } };
        body.toolConfig = { tools: [...(body.toolConfig?.tools ?? []), forced], toolChoice: { tool: { name: tool.name } } };
      }
    }
  }
  applyThinking(request, deployment.model, body, warnings);

  if (typeof request.n === "number" && request.n > 1) warnings.push(`n=${request.n} not supported by bedrock: one choice is returned`);
  // false asks for nothing (logprobs: false); parallel_tool_calls: true is Converse's behaviour anyway.
  warnDroppedParameters(request, handledParameters, "bedrock", warnings, { falseAsksNothing: true, providerDefaults: { parallel_tool_calls: true } });

  return {
    upstream: { url: converseUrl(deployment, stream), method: "POST", headers: createHeaders(stream), body: JSON.stringify(body) },
    warnings,
  };
}
