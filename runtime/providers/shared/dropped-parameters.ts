/**
 * Warnings for the request fields a converter does not read, one per field:
 * "<field> dropped: not supported by <provider>" (surfaced in the `x-gw-warnings` header). A
 * field that asks for nothing is not warned about: absent or null always; `false` when the
 * provider says so (`logprobs: false`); a field's value the provider follows anyway
 * (`parallel_tool_calls: true`), listed in `providerDefaults`, where any other value is warned.
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";

export interface DroppedParameterOptions {
  /** `false` asks for nothing: not warned about (except for fields in `providerDefaults`). */
  falseAsksNothing?: boolean;
  /** Field -> the value the provider behaves as anyway; only other values are warned about. */
  providerDefaults?: Readonly<Record<string, unknown>>;
}

export function warnDroppedParameters(
  request: ChatCompletionRequest,
  handled: ReadonlySet<string>,
  provider: string,
  warnings: string[],
  options: DroppedParameterOptions = {},
): void {
  for (const key of Object.keys(request)) {
    if (handled.has(key)) continue;
    const value = request[key];
    if (value === undefined || value === null) continue;
    if (options.providerDefaults !== undefined && Object.hasOwn(options.providerDefaults, key)) {
      if (value === options.providerDefaults[key]) continue;
    } else if (value === false && options.falseAsksNothing === true) {
      continue;
    }
    warnings.push(`${key} dropped: not supported by ${provider}`);
  }
}
