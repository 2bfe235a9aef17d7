/**
 * The OpenAI Responses API wire shapes gw writes (endpoints/responses*.ts): only what gw answers.
 * The authority is OpenAI's OpenAPI description (Response, OutputItem, ResponseStreamEvent); tests
 * validate gw's outputs against the subset kept in schemas/openai/responses.schema.json. Requests
 * are read as untrusted JSON (endpoints/responses-request.ts), not through these types.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
import type { JsonObject } from "./openai-types.ts";

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface OutputRefusal {
  type: "refusal";
  refusal: string;
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface OutputMessage {
  type: "message";
  id: string;
  status: ItemStatus;
  role: "assistant";
  content: Array<OutputText | OutputRefusal>;
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface SummaryText {
  type: "summary_text";
  text: string;
}

export interface ReasoningItem {
  type: "reasoning";
  id: string;
  summary: SummaryText[];
  /** gw's encoding of the provider's thinking blocks (signatures, redacted data), for the next turn (responses-reasoning.ts). */
  encrypted_content?: string;
}

export type OutputItem = OutputMessage | FunctionCallItem | ReasoningItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "completed" | "incomplete" | "in_progress" | "failed";

/** The Response object: what was asked (echoed), its status, output and usage. */
export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  completed_at?: number | null;
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null } | null;
  store: boolean;
  temperature: number | null;
  text: { format: JsonObject; verbosity?: string };
  tool_choice: unknown;
  tools: JsonObject[];
  top_p: number | null;
  truncation: "auto" | "disabled";
  usage?: ResponseUsage;
  user?: string;
  metadata: Record<string, string>;
}
