/**
 * `gw` command line: build, check, serve. Runs on Bun (see bin/gw.js).
 * Each command lives in its own module and returns an exit code; only this file exits.
 */
export {};

const USAGE = `gw — an LLM gateway compiled from a typed config

Usage:
  gw check [config] [--format text|json|github]   validate a config, write nothing
  gw build [config] [--out .gw/bundle.json]       validate and compile into a bundle
  gw serve [config|bundle] [--port 4000] [--host 0.0.0.0] [--log-format text|json] [--data-dir .gw]
  gw db migrate [--postgres-url URL] [--schema NAME]  apply pending Postgres schema migrations
  gw import litellm-config.yaml [--out gateway.config.ts] [--format ts|yaml]  write gw's config for a LiteLLM one

A LiteLLM config.yaml may also be checked, built and served as it is.

With no config argument, gw looks for ./gateway.config.ts, then ./gateway.config.yaml.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "check":
      return (await import("./check.ts")).runCheck(rest);
    case "build":
      return (await import("./build.ts")).runBuild(rest);
    case "serve":
      return (await import("./serve.ts")).runServe(rest);
    case "db":
      return (await import("./db.ts")).runDb(rest);
    case "import":
      return (await import("./import.ts")).runImport(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`gw: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

const code = await main(process.argv.slice(2));
if (code !== -1) process.exitCode = code; // -1: a long-running command (serve) keeps the process alive
