import { DIAGNOSTIC_CODES, type DiagnosticKind, type Severity } from "./diagnostic-codes.ts";

export type JsonPath = (string | number)[];

/**
 * One problem found in a config. `line` and `column` are 1-based and point at the
 * offending property in `file`; both are 0 when the problem has no place in the file
 * (e.g. the file does not exist).
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  /** What happened and what to do about it. Never contains a secret. */
  message: string;
  /** JSON path of the offending value in the config, e.g. ["models", 0, "deployments", 1, "weight"]. */
  path: JsonPath;
  file: string;
  line: number;
  column: number;
}

/** A diagnostic before it is placed in the source file. */
export interface PendingDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  path: JsonPath;
  /** Known position (YAML parse errors carry their own); otherwise located from `path`. */
  line?: number;
  column?: number;
}

export function createDiagnostic(
  kind: DiagnosticKind,
  path: JsonPath,
  message: string,
  position?: { line: number; column: number },
): PendingDiagnostic {
  const info = DIAGNOSTIC_CODES[kind];
  return { code: info.code, severity: info.severity, message, path, ...position };
}

/** `["models", 0, "deployments", 1, "weight"]` -> `models[0].deployments[1].weight`. */
export function formatPath(path: JsonPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === "" ? "the config" : text;
}

export function hasErrors(diagnostics: readonly { severity: Severity }[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === "error");
}

/** Sorts by position, then code, so output is stable whatever order checks ran in. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
