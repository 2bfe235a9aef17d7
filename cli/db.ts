/**
 * `gw db migrate [--postgres-url URL] [--schema NAME]`: applies pending schema migrations
 * (runtime/host/postgres/migrations/) under an advisory lock, printing what it applied.
 * The URL comes from --postgres-url, else GW_POSTGRES_URL, else DATABASE_URL; it is never printed
 * with its password.
 */
import { connectPostgres, describePostgresUrl, migrate, postgresUrlFrom } from "../runtime/host/postgres/index.ts";

export const DB_USAGE = `Usage: gw db migrate [--postgres-url URL] [--schema NAME]

  --postgres-url  postgres://user:password@host:5432/database (default: $GW_POSTGRES_URL, else $DATABASE_URL)
  --schema        schema holding gw's tables, created if missing (default: the connection's search_path)
`;

export interface DbArguments {
  command: "migrate";
  url: string;
  schema: string | undefined;
}

/** Parses `gw db` arguments; returns an error message for bad input. */
export function parseDbArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): DbArguments | string {
  const [command, ...rest] = args;
  if (command !== "migrate") return command === undefined ? "missing subcommand (expected: migrate)" : `unknown subcommand "${command}" (expected: migrate)`;
  const values = new Map<string, string>();
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index] as string;
    if (!argument.startsWith("--")) return `unexpected argument "${argument}"`;
    const equals = argument.indexOf("=");
    const name = equals === -1 ? argument.slice(2) : argument.slice(2, equals);
    if (name !== "postgres-url" && name !== "schema") return `unknown option --${name}`;
    const value = equals === -1 ? rest[++index] : argument.slice(equals + 1);
    if (value === undefined || value === "") return `--${name} needs a value`;
    values.set(name, value);
  }
  const url = postgresUrlFrom(values.get("postgres-url"), env);
  if (url === undefined) return "no Postgres URL: pass --postgres-url or set GW_POSTGRES_URL (or DATABASE_URL)";
  return { command: "migrate", url, schema: values.get("schema") };
}

export async function runDb(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(DB_USAGE);
    return 0;
  }
  const parsed = parseDbArguments(args, process.env);
  if (typeof parsed === "string") {
    process.stderr.write(`gw db: ${parsed}\n\n${DB_USAGE}`);
    return 2;
  }
  const where = `${describePostgresUrl(parsed.url)}${parsed.schema === undefined ? "" : ` (schema ${parsed.schema})`}`;
  let sql;
  try {
    sql = connectPostgres({ url: parsed.url, schema: parsed.schema, max: 1 });
  } catch (error) {
    process.stderr.write(`gw db migrate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  try {
    const result = await migrate(sql, { schema: parsed.schema });
    for (const name of result.applied) process.stdout.write(`applied ${name}\n`);
    process.stdout.write(
      result.applied.length === 0
        ? `${where} is up to date (${result.alreadyApplied.length} migration(s) applied earlier)\n`
        : `${where}: applied ${result.applied.length} migration(s), ${result.alreadyApplied.length} were already applied\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`gw db migrate: ${where}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}
