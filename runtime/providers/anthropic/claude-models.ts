/**
 * Which Claude a model id names, wherever it is served: Anthropic ("claude-sonnet-4-5-20250929",
 * "claude-3-7-sonnet-latest"), Vertex AI ("claude-opus-4-1@20250805") or Bedrock
 * ("anthropic.claude-3-5-sonnet-20240620-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0").
 * Capabilities that depend on the model generation are decided from it, by the platform that
 * offers them (an application inference profile ARN names no model: it reads as unknown).
 */
export interface ClaudeModel {
  family: "opus" | "sonnet" | "haiku";
  major: number;
  minor: number;
}

// Claude 4 and later: family first ("claude-opus-4-1"); a date ("-20250514") is not a minor version.
const familyFirst = /claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2})(?!\d))?/;
// Claude 3.x: version first ("claude-3-5-sonnet").
const versionFirst = /claude-(\d+)(?:-(\d{1,2}))?-(opus|sonnet|haiku)/;

export function parseClaudeModel(model: string): ClaudeModel | null {
  const newer = familyFirst.exec(model);
  if (newer) return { family: newer[1] as ClaudeModel["family"], major: Number(newer[2]), minor: Number(newer[3] ?? 0) };
  const older = versionFirst.exec(model);
  if (older) return { family: older[3] as ClaudeModel["family"], major: Number(older[1]), minor: Number(older[2] ?? 0) };
  return null;
}

/** Whether the model is Claude `major.minor` or later (false when it is not a Claude id gw can read). */
export function isClaudeAtLeast(model: ClaudeModel | null, major: number, minor: number): boolean {
  if (model === null) return false;
  return model.major > major || (model.major === major && model.minor >= minor);
}

/**
 * max_tokens when the client sends none (Anthropic requires it): the model family's full output
 * limit for Claude 3 (4096) and 3.5 (8192), 16384 for newer models (see convert-request.ts).
 */
export function defaultMaxTokens(model: string): number {
  if (/claude-3-(?:haiku|opus|sonnet)/.test(model)) return 4096;
  if (model.includes("claude-3-5-")) return 8192;
  return 16384;
}
