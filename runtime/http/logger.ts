/**
 * One line per request, text (default) or JSON, written to stdout. Entries carry the key's
 * NAME, never the key: nothing from request headers or bodies is ever logged.
 */
import type { TokenUsage } from "./openai-types.ts";

export type LogFormat = "text" | "json";

export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** Public model that answered (or was asked for when nothing answered). */
  model: string | null;
  deployment: string | null;
  provider: string | null;
  team: string | null;
  keyName: string | null;
  usage: TokenUsage | null;
  /** null when unknown (no usage, or no price for the deployment). */
  costUsd: number | null;
  latencyMs: number;
  attempts: number;
  stream: boolean;
  /** True when gw counted the tokens itself because the upstream did not report them (a stream cut short). */
  usageEstimated?: boolean;
  /** The error code when the request failed. */
  error: string | null;
}

export interface Logger {
  request(entry: RequestLogEntry): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Write out request lines still held back by batching (call before exiting). */
  flush?(): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go (each ends with "\n"); stdout by default. */
  write?: (line: string) => void;
  /** Time of each line; Date.now by default. */
  now?: () => number;
  /**
   * Hold request lines back for up to this many milliseconds and write them in one call.
   * 0 (default) writes each line at once. A write per request is a system call on the request
   * thread; `gw serve` batches. Info, warn and error lines are written at once, after any held
   * request lines, so the order of lines is kept.
   */
  batchMs?: number;
}

function defaultWrite(line: string): void {
  const stdout = (globalThis as { process?: { stdout?: { write(text: string): unknown } } }).process?.stdout;
  if (stdout) stdout.write(line);
  else console.log(line.slice(0, -1));
}

// C0/C1 controls, DEL and the Unicode line/paragraph separators: could forge lines or drive a terminal.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const escapeControl = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * Text log values: bare when safe, JSON-quoted when they contain spaces, quotes or `=`.
 * Invariant: a text log line never contains a control character (each is written as \uXXXX).
 */
function textValue(value: string): string {
  if (/^[^\s"=\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/.test(value)) return value;
  return JSON.stringify(value).replace(controlCharacters, escapeControl);
}

export function formatRequestText(time: string, entry: RequestLogEntry): string {
  let line = `${time} ${entry.requestId} ${entry.method} ${entry.path} ${entry.status} ${entry.latencyMs}ms`;
  if (entry.model !== null) line += ` model=${textValue(entry.model)}`;
  if (entry.deployment !== null) line += ` deployment=${textValue(entry.deployment)}`;
  if (entry.provider !== null) line += ` provider=${entry.provider}`;
  if (entry.team !== null) line += ` team=${textValue(entry.team)}`;
  if (entry.keyName !== null) line += ` key=${textValue(entry.keyName)}`;
  if (entry.usage !== null) {
    const usage = entry.usage;
    line += ` input_tokens=${usage.inputTokens} output_tokens=${usage.outputTokens}`;
    if (usage.cacheReadTokens > 0) line += ` cache_read_tokens=${usage.cacheReadTokens}`;
    if (usage.cacheWriteTokens > 0) line += ` cache_write_tokens=${usage.cacheWriteTokens}`;
  }
  if (entry.costUsd !== null) line += ` cost=$${entry.costUsd.toFixed(6)}`;
  if (entry.attempts > 0) line += ` attempts=${entry.attempts}`;
  if (entry.stream) line += " stream=true";
  if (entry.usageEstimated === true) line += " usage_estimated=true";
  if (entry.error !== null) line += ` error=${textValue(entry.error)}`;
  return `${line}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? defaultWrite;
  const now = options.now ?? Date.now;
  const json = options.format === "json";
  const batchMs = options.batchMs ?? 0;
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending === "") return;
    const text = pending;
    pending = "";
    write(text);
  };
  const emit = (line: string): void => {
    if (batchMs <= 0) return write(line);
    pending += line;
    if (pending.length >= 65_536) flush();
    else if (timer === undefined) {
      timer = setTimeout(flush, batchMs);
      (timer as { unref?: () => void }).unref?.();
    }
  };
  const plain = (level: string) => (message: string) => {
    flush();
    const time = new Date(now()).toISOString();
    write(json ? `${JSON.stringify({ time, level, message })}\n` : `${time} ${level} ${message.replace(controlCharacters, escapeControl)}\n`);
  };
  return {
    request(entry) {
      const time = new Date(now()).toISOString();
      emit(json ? `${JSON.stringify({ time, ...entry })}\n` : formatRequestText(time, entry));
    },
    info: plain("info"),
    warn: plain("warn"),
    error: plain("error"),
    flush,
  };
}

/** A logger that drops everything (tests, library use without logs). */
export const silentLogger: Logger = {
  request() {},
  info() {},
  warn() {},
  error() {},
};
