/**
 * Connections to Postgres (through postgres.js) and the helpers every Postgres module shares:
 * schema names, qualified table names, and telling an outage from a bad row.
 *
 * Only runtime/host/postgres/ imports `postgres`; the app core sees the ports it implements.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export interface ConnectPostgresOptions {
  /** postgres://user:password@host:port/database (never logged). */
  url: string;
  /** Schema holding gw's tables; also set as the connection's search_path. Default: the server's search_path. */
  schema?: string;
  /** Pool size. Default 4. */
  max?: number;
  /** Seconds to wait for a connection. Default 5 (postgres.js's own default, 30, is too long for an outage). */
  connectTimeoutSeconds?: number;
}

/** Opens a pool; connections are made lazily, so this never fails on an unreachable server. */
export function connectPostgres(options: ConnectPostgresOptions): Sql {
  const schema = checkSchemaName(options.schema);
  return postgres(options.url, {
    max: options.max ?? 4,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    // Seconds before reconnecting after a failed attempt. postgres.js's default grows to 20 s,
    // which would keep gw off a database that came back long ago.
    backoff: (attempt: number) => Math.min(1, 0.05 * 2 ** attempt) * (0.5 + Math.random() / 2),
    // Notices such as "relation already exists, skipping" are not for gw's users.
    onnotice: () => {},
    connection: { application_name: "gw", ...(schema === undefined ? {} : { search_path: quoteIdentifier(schema) }) },
  });
}

/** The URL from `--postgres-url`, else GW_POSTGRES_URL, else DATABASE_URL. */
export function postgresUrlFrom(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const value of [explicit, env["GW_POSTGRES_URL"], env["DATABASE_URL"]]) if (value !== undefined && value !== "") return value;
  return undefined;
}

/** The URL without its password, for messages. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "postgres (unparsable URL)";
  }
}

const schemaNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Schema names are restricted to plain identifiers, so they can be quoted into SQL text safely. */
export function checkSchemaName(schema: string | undefined): string | undefined {
  if (schema === undefined) return undefined;
  if (!schemaNamePattern.test(schema)) {
    throw new Error(`invalid Postgres schema name "${schema}": use letters, digits and _ (at most 63, not starting with a digit)`);
  }
  return schema;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema".table`, or `table` (resolved through the search_path) when no schema is set. */
export function tableName(schema: string | undefined, table: string): string {
  return schema === undefined ? table : `${quoteIdentifier(schema)}.${table}`;
}

/** SQLSTATE of a server error, or undefined for client-side failures (refused, reset, timeout...). */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof postgres.PostgresError) return error.code;
  return undefined;
}

/**
 * The server rejected the data itself (class 22 data exception, 23 integrity violation):
 * retrying the same rows cannot succeed.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}

/** Deadlock or serialization failure: the transaction was rolled back and may be retried at once. */
export function isTransientConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}

/** A one-line description of a failure; never contains the URL's password (postgres.js does not put it in errors). */
export function describeError(error: unknown): string {
  if (error instanceof postgres.PostgresError) return `${error.code} ${error.message}`;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Rejects after `ms` if the promise has not settled. The operation itself goes on (postgres.js
 * cannot cancel a query whose connection is gone): callers must only time out idempotent work.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
