/**
 * Validation of gw's outputs against OpenAI's own schemas (the subsets extracted from
 * OpenAI's OpenAPI description into schemas/openai/chat-completions.schema.json,
 * schemas/openai/completions.schema.json, schemas/openai/embeddings.schema.json and
 * schemas/openai/responses.schema.json).
 * Each validator returns the list of problems; an empty list means the value is valid.
 */
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";

const schemaUrl = new URL("../../schemas/openai/chat-completions.schema.json", import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, "utf8")) as { $id: string };

// strict: false because the OpenAPI-derived schemas use keywords ajv does not know
// (`format: unixtime`, `deprecated`, `title`) and formats are not checked.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(schema);

function compile(definition: string): ValidateFunction {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${definition}`);
  if (!validate) throw new Error(`schemas/openai: no definition named ${definition}`);
  return validate;
}

const chatCompletion = compile("CreateChatCompletionResponse");
const chatCompletionChunk = compile("CreateChatCompletionStreamResponse");
const errorResponse = compile("ErrorResponse");

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"} ${JSON.stringify(error.params)}`);
}

function run(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : describe(validate.errors);
}

/** Problems with `value` as an OpenAI `chat.completion` object; empty when valid. */
export function validateChatCompletion(value: unknown): string[] {
  return run(chatCompletion, value);
}

/** Problems with `value` as an OpenAI `chat.completion.chunk` object; empty when valid. */
export function validateChatCompletionChunk(value: unknown): string[] {
  return run(chatCompletionChunk, value);
}

/** Problems with `value` as an OpenAI error body `{"error": {...}}`; empty when valid. */
export function validateErrorResponse(value: unknown): string[] {
  return run(errorResponse, value);
}

const embeddingsSchema = JSON.parse(readFileSync(new URL("../../schemas/openai/embeddings.schema.json", import.meta.url), "utf8")) as { $id: string };
ajv.addSchema(embeddingsSchema);
const embeddingsResponse = ajv.getSchema(`${embeddingsSchema.$id}#/$defs/CreateEmbeddingResponse`) as ValidateFunction;

/**
 * OpenAI sends each embedding as a base64 string (little-endian float32s) when asked with
 * `encoding_format: "base64"`, which its OpenAPI description does not describe: such strings
 * are decoded (and must decode to whole float32s) before the value is checked against
 * CreateEmbeddingResponse.
 */
function decodeBase64Embeddings(value: unknown): { value: unknown; problems: string[] } {
  if (typeof value !== "object" || value === null || !Array.isArray((value as { data?: unknown }).data)) return { value, problems: [] };
  const problems: string[] = [];
  const data = ((value as { data: unknown[] }).data).map((item, index) => {
    if (typeof item !== "object" || item === null || typeof (item as { embedding?: unknown }).embedding !== "string") return item;
    const bytes = Buffer.from((item as { embedding: string }).embedding, "base64");
    if (bytes.length === 0 || bytes.length % 4 !== 0 || bytes.toString("base64") !== (item as { embedding: string }).embedding) {
      problems.push(`/data/${index}/embedding is not base64 of little-endian float32s`);
      return item;
    }
    const floats = Array.from({ length: bytes.length / 4 }, (_, offset) => bytes.readFloatLE(offset * 4));
    return { ...item, embedding: floats };
  });
  return { value: { ...value, data }, problems };
}

/** Problems with `value` as an OpenAI embeddings response (`{"object": "list", "data": [...]}`); empty when valid. */
export function validateEmbeddingsResponse(value: unknown): string[] {
  const decoded = decodeBase64Embeddings(value);
  return [...decoded.problems, ...run(embeddingsResponse, decoded.value)];
}

const completionsSchema = JSON.parse(readFileSync(new URL("../../schemas/openai/completions.schema.json", import.meta.url), "utf8")) as { $id: string };
ajv.addSchema(completionsSchema);
const textCompletion = ajv.getSchema(`${completionsSchema.$id}#/$defs/CreateCompletionResponse`) as ValidateFunction;

/**
 * Problems with `value` as an OpenAI `text_completion` object (a whole legacy completion, or a
 * stream's final chunk: earlier chunks carry `finish_reason: null`, which the schema omits); empty when valid.
 */
export function validateTextCompletion(value: unknown): string[] {
  return run(textCompletion, value);
}

const responsesSchema = JSON.parse(readFileSync(new URL("../../schemas/openai/responses.schema.json", import.meta.url), "utf8")) as { $id: string };
ajv.addSchema(responsesSchema);
const responseObject = ajv.getSchema(`${responsesSchema.$id}#/$defs/Response`) as ValidateFunction;
const responseStreamEvent = ajv.getSchema(`${responsesSchema.$id}#/$defs/ResponseStreamEvent`) as ValidateFunction;

/** Problems with `value` as a Responses API `response` object; empty when valid. */
export function validateResponse(value: unknown): string[] {
  return run(responseObject, value);
}

/** Problems with `value` as one Responses API stream event (the data of one SSE event); empty when valid. */
export function validateResponseStreamEvent(value: unknown): string[] {
  return run(responseStreamEvent, value);
}

/**
 * OpenAI sends `user: null` (no user) and, until a stream's last event, `usage: null` on a
 * Response, which its OpenAPI description types as a string and an object: in what gw relays as
 * OpenAI sent it (native pass-through), those two nulls are read as absent, and nothing else.
 */
function withoutSpecGaps(response: unknown): unknown {
  if (typeof response !== "object" || response === null) return response;
  const { user, usage, ...rest } = response as Record<string, unknown>;
  return { ...rest, ...(user === null ? {} : { user }), ...(usage === null ? {} : { usage }) };
}

/** Problems with `value` as a Response OpenAI sent (relayed by gw natively); empty when valid. */
export function validateRelayedResponse(value: unknown): string[] {
  return run(responseObject, withoutSpecGaps(value));
}

/** Problems with `value` as one Responses stream event OpenAI sent (relayed by gw natively); empty when valid. */
export function validateRelayedStreamEvent(value: unknown): string[] {
  if (typeof value !== "object" || value === null || !("response" in value)) return run(responseStreamEvent, value);
  return run(responseStreamEvent, { ...value, response: withoutSpecGaps((value as { response: unknown }).response) });
}
