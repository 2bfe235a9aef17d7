/**
 * The set-up most end-to-end files share: a config written into a fresh test directory, the real
 * `gw serve` on it (its data directory inside), and the official SDK as the master key. `stop()`
 * ends gw, closes the fake upstreams the file started, and removes the directory; a gw that
 * fails to start is cleaned up the same way before the error is thrown.
 */
import type OpenAI from "openai";
import type { GatewayConfig } from "../../compiler/define-config.ts";
import { createClient } from "./gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "./start-gw.ts";

export interface ServeTestConfigOptions {
  /** Prefix of the test directory, e.g. "e2e-cohere". */
  name: string;
  config: GatewayConfig;
  /** The config file's format. Default "yaml". */
  format?: "yaml" | "ts";
  /** gw's environment (keys the config names with env()). */
  env?: Record<string, string>;
  /** The key the returned client uses (the config's master key). */
  masterKey: string;
  /** Fakes started for this file, closed by stop() after gw has ended. */
  upstreams?: ReadonlyArray<{ close(): Promise<void> }>;
  /** More `gw serve` arguments (e.g. ["--idle-timeout", "1"]). */
  extraArgs?: string[];
}

export interface ServedTestConfig {
  gateway: GatewayProcess;
  client: OpenAI;
  stop(): Promise<void>;
}

export async function serveTestConfig(options: ServeTestConfigOptions): Promise<ServedTestConfig> {
  const directory = createTestDirectory(options.name);
  const closeUpstreams = async (): Promise<void> => {
    for (const upstream of options.upstreams ?? []) await upstream.close();
  };
  let gateway: GatewayProcess;
  try {
    const config = writeConfig(directory, options.config, options.format);
    gateway = await startGateway({ config, dataDir: `${directory}/data`, env: options.env, ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}) });
  } catch (error) {
    await closeUpstreams();
    removeTestDirectory(directory);
    throw error;
  }
  return {
    gateway,
    client: createClient(gateway, options.masterKey),
    async stop() {
      await gateway.stop();
      await closeUpstreams();
      removeTestDirectory(directory);
    },
  };
}

/**
 * gw serving one priced OpenAI model, "chat" ($1,000 / $2,000 per M tokens, so every token shows
 * in the spend), over `upstream`, with `masterKey`: for files that test gw's own behaviour around
 * a single upstream.
 */
export function serveOpenAIChat(options: {
  name: string;
  upstream: { baseUrl: string; close(): Promise<void> };
  upstreamKey: string;
  masterKey: string;
  extraArgs?: string[];
}): Promise<ServedTestConfig> {
  return serveTestConfig({
    name: options.name,
    upstreams: [options.upstream],
    env: { OPENAI_API_KEY: options.upstreamKey, GW_MASTER_KEY: options.masterKey },
    masterKey: options.masterKey,
    ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs }),
    config: {
      models: [
        {
          name: "chat",
          deployments: [
            { provider: "openai", model: "gpt-4.1-nano", baseUrl: options.upstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, price: { inputPerMTok: 1000, outputPerMTok: 2000 } },
          ],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  });
}
