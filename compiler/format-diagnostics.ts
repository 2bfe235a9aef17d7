import { isAbsolute, relative, sep } from "node:path";
import type { Diagnostic } from "./diagnostic.ts";

export type DiagnosticFormat = "text" | "json" | "github";

export interface FormatOptions {
  /** ANSI colors in the text format. Default false. */
  color?: boolean;
  /** File paths are shown relative to this directory. Default: the process working directory. */
  cwd?: string;
}

/**
 * Renders diagnostics for people (text, like a compiler: `file:line:col severity code message`
 * and a summary line), for CI annotations (GitHub workflow commands), or for tools (json:
 * `{ errors, warnings, diagnostics }`, stable field names). Output ends with a newline,
 * except text with no diagnostics, which is empty.
 */
export function formatDiagnostics(diagnostics: Diagnostic[], format: DiagnosticFormat, options: FormatOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const display = (file: string): string => displayPath(file, cwd);
  switch (format) {
    case "json":
      return `${JSON.stringify(
        {
          errors: count(diagnostics, "error"),
          warnings: count(diagnostics, "warning"),
          diagnostics: diagnostics.map((diagnostic) => ({
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: diagnostic.message,
            path: diagnostic.path,
            file: display(diagnostic.file),
            line: diagnostic.line,
            column: diagnostic.column,
          })),
        },
        null,
        2,
      )}\n`;
    case "github":
      return diagnostics
        .map((diagnostic) => {
          const properties = [`file=${escapeProperty(display(diagnostic.file))}`];
          if (diagnostic.line > 0) properties.push(`line=${diagnostic.line}`, `col=${diagnostic.column}`);
          properties.push(`title=${escapeProperty(diagnostic.code)}`);
          return `::${diagnostic.severity} ${properties.join(",")}::${escapeData(diagnostic.message)}\n`;
        })
        .join("");
    case "text": {
      if (diagnostics.length === 0) return "";
      const paint = (code: string, text: string): string => (options.color === true ? `\u001b[${code}m${text}\u001b[0m` : text);
      const lines = diagnostics.map((diagnostic) => {
        const location = diagnostic.line > 0 ? `${display(diagnostic.file)}:${diagnostic.line}:${diagnostic.column}` : display(diagnostic.file);
        const severity = diagnostic.severity === "error" ? paint("31;1", "error") : paint("33;1", "warning");
        return `${paint("1", location)} ${severity} ${paint("2", diagnostic.code)} ${diagnostic.message}`;
      });
      return `${lines.join("\n")}\n\n${summarize(diagnostics)}\n`;
    }
  }
}

/** "2 errors, 1 warning". */
export function summarize(diagnostics: Diagnostic[]): string {
  const errors = count(diagnostics, "error");
  const warnings = count(diagnostics, "warning");
  return `${errors} ${errors === 1 ? "error" : "errors"}, ${warnings} ${warnings === 1 ? "warning" : "warnings"}`;
}

function count(diagnostics: Diagnostic[], severity: Diagnostic["severity"]): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
}

/** Relative to `cwd` with forward slashes, unless the file lies outside it. */
export function displayPath(file: string, cwd: string): string {
  if (file === "" || !isAbsolute(file)) return file;
  const relativePath = relative(cwd, file);
  if (relativePath === "") return ".";
  if (relativePath.startsWith("..") || isAbsolute(relativePath)) return file;
  return relativePath.split(sep).join("/");
}

/** @see https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
