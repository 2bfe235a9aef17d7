/**
 * The few Azure OpenAI shapes gw reads beyond OpenAI's own format: the content-filter error
 * (a 400 with `code: "content_filter"` and an `innererror` naming the filtered categories) and
 * the annotation chunks Azure adds to streams.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-streaming
 */
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

/** The categories a content filter blocked, e.g. ["hate (medium)", "jailbreak"]; [] when none are named. */
export function readFilteredCategories(results: unknown): string[] {
  if (!isRecord(results)) return [];
  const categories: string[] = [];
  for (const [category, result] of Object.entries(results)) {
    if (!isRecord(result) || result.filtered !== true) continue;
    categories.push(typeof result.severity === "string" && result.severity !== "safe" ? `${category} (${result.severity})` : category);
  }
  return categories;
}

export interface AzureContentFilterError {
  /** Filtered categories from `innererror.content_filter_result`. */
  categories: string[];
}

/** The content-filter rejection of a prompt, or null when the body is some other error. */
export function readContentFilterError(payload: unknown): AzureContentFilterError | null {
  if (!isRecord(payload) || !isRecord(payload.error)) return null;
  const error = payload.error;
  const inner = isRecord(error.innererror) ? error.innererror : null;
  if (error.code !== "content_filter" && inner?.code !== "ResponsibleAIPolicyViolation") return null;
  return { categories: readFilteredCategories(inner?.content_filter_result) };
}

/**
 * Whether a parsed stream chunk only annotates: Azure's `prompt_filter_results` chunk (empty
 * `choices`, no usage) and, with the asynchronous filter, choices carrying only
 * `content_filter_results` / `content_filter_offsets` (no delta, no finish_reason). Such chunks
 * carry nothing an OpenAI client reads and do not satisfy OpenAI's chunk schema (`object: ""`).
 */
export function isAnnotationChunk(chunk: JsonRecord): boolean {
  if (isRecord(chunk.usage)) return false;
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return chunk.prompt_filter_results !== undefined;
  return choices.every((choice) => isRecord(choice) && choice.delta === undefined && (choice.finish_reason === null || choice.finish_reason === undefined));
}
