import { checkConfig, formatDiagnostics, type DiagnosticFormat } from "../compiler/index.ts";
import { displayPath } from "../compiler/format-diagnostics.ts";

/** `gw check [config] [--format text|json|github]`: validate a config and write nothing. */

const FORMATS: readonly DiagnosticFormat[] = ["text", "json", "github"];

export const CHECK_USAGE = "Usage: gw check [config] [--format text|json|github]\n";

export interface ParsedArguments {
  configPath: string | undefined;
  format: DiagnosticFormat;
  /** Values of other accepted options, e.g. { out: "..." }. */
  options: Record<string, string>;
  help: boolean;
}

/** Parses `[config] [--name value | --name=value]...`; throws a UsageError on anything else. */
export function parseArguments(args: readonly string[], accepted: readonly string[]): ParsedArguments {
  const parsed: ParsedArguments = { configPath: undefined, format: "text", options: {}, help: false };
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    if (argument === "--help" || argument === "-h") {
      parsed.help = true;
      continue;
    }
    if (argument.startsWith("-")) {
      const [flag, inlineValue] = argument.includes("=") ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)] : [argument, undefined];
      const name = flag.replace(/^--?/, "");
      if (name !== "format" && !accepted.includes(name)) throw new UsageError(`unknown option ${flag}`);
      const value = inlineValue ?? args[++index];
      if (value === undefined || value === "") throw new UsageError(`option ${flag} needs a value`);
      if (name === "format") {
        if (!FORMATS.includes(value as DiagnosticFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${value}"`);
        parsed.format = value as DiagnosticFormat;
      } else parsed.options[name] = value;
      continue;
    }
    if (parsed.configPath !== undefined) throw new UsageError(`unexpected argument "${argument}" (only one config path is accepted)`);
    parsed.configPath = argument;
  }
  return parsed;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env["NO_COLOR"] === undefined;
}

export async function runCheck(args: string[]): Promise<number> {
  let parsed: ParsedArguments;
  try {
    parsed = parseArguments(args, []);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`gw check: ${error.message}\n${CHECK_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(CHECK_USAGE);
    return 0;
  }
  const { path, diagnostics } = await checkConfig(parsed.configPath);
  const failed = diagnostics.some((diagnostic) => diagnostic.severity === "error");
  let output = formatDiagnostics(diagnostics, parsed.format, { color: parsed.format === "text" && useColor(process.stdout) });
  if (parsed.format === "text" && !failed) output += `${displayPath(path, process.cwd())} is valid.\n`;
  process.stdout.write(output);
  return failed ? 1 : 0;
}
