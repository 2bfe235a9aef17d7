/**
 * `response_format` as a forced tool, for providers (or models) without a JSON mode of their own:
 * one tool, named `gw_response_format`, whose input schema is the requested JSON schema (any
 * object for json_object), forced with the provider's tool choice; the tool's input comes back as
 * the message's text, with finish_reason "stop" (each adapter's answer converters). A client tool
 * of that name is refused.
 */
import { isRecord } from "../openai/openai-api.ts";

export const responseFormatToolName = "gw_response_format";

/** The forced tool standing in for `format`; null when it asks for plain text, or for what a tool cannot carry (warned). */
export function responseFormatTool(format: unknown, provider: string, warnings: string[]): { name: string; description: string; schema: Record<string, unknown> } | null {
  if (!isRecord(format) || format.type === "text") return null;
  if (format.type === "json_object") {
    return { name: responseFormatToolName, description: "Give your final answer as this tool's input: a JSON object.", schema: { type: "object" } };
  }
  if (format.type === "json_schema" && isRecord(format.json_schema)) {
    const schema = format.json_schema.schema;
    if (isRecord(schema) && (schema.type === "object" || schema.type === undefined)) {
      const description = typeof format.json_schema.description === "string" ? ` ${format.json_schema.description}` : "";
      return {
        name: responseFormatToolName,
        description: `Give your final answer as this tool's input, matching its schema.${description}`,
        schema: schema.type === undefined ? { ...schema, type: "object" } : schema,
      };
    }
    warnings.push(`response_format dropped: ${provider} can only be given a JSON schema whose root is an object`);
    return null;
  }
  warnings.push(`response_format dropped: type "${String(format.type)}" is not supported by ${provider}`);
  return null;
}
