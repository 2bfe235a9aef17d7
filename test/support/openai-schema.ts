/**
 * Validation of gw's outputs against OpenAI's own schemas (the subset extracted from
 * OpenAI's OpenAPI description into schemas/openai/chat-completions.schema.json).
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
