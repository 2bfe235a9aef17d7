/**
 * End to end: secrets stay secret (never in gw's output, in either log format, whatever the
 * requests do), and `gw serve` refuses to start when the environment lacks what the config needs.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { collectStream, createClient, postRaw } from "../support/gateway-client.ts";
import {
  createTestDirectory,
  findFreePort,
  removeTestDirectory,
  runGatewayCommand,
  startGateway,
  writeConfig,
} from "../support/start-gw.ts";
import type { GatewayConfig } from "../../compiler/define-config.ts";

/** Random, so that finding one in the output cannot be a coincidence of fixture text. */
const secret = (prefix: string): string => `${prefix}${randomBytes(12).toString("hex")}`;
const secrets = {
  OPENAI_API_KEY: secret("sk-proj-"),
  ANTHROPIC_API_KEY: secret("sk-ant-api03-"),
  TEAM_KEY: secret("gw-team-"),
  GW_MASTER_KEY: secret("gw-master-"),
};

let openAIUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
let directory: string;
let config: string;

beforeAll(async () => {
  openAIUpstream = await startOpenAIUpstream({ apiKey: secrets.OPENAI_API_KEY });
  anthropicUpstream = await startAnthropicUpstream({ apiKey: secrets.ANTHROPIC_API_KEY });
  directory = createTestDirectory("e2e-secrets");
  const gatewayConfig: GatewayConfig = {
    models: [
      {
        name: "gpt-fake",
        deployments: [
          {
            provider: "openai",
            model: "gpt-4.1-nano",
            baseUrl: openAIUpstream.baseUrl,
            apiKey: { $env: "OPENAI_API_KEY" },
            price: { inputPerMTok: 1, outputPerMTok: 1 },
          },
        ],
      },
      {
        name: "claude-fake",
        deployments: [
          {
            provider: "anthropic",
            model: "claude-sonnet-4-5",
            baseUrl: anthropicUpstream.baseUrl,
            apiKey: { $env: "ANTHROPIC_API_KEY" },
            price: { inputPerMTok: 1, outputPerMTok: 1 },
          },
        ],
      },
    ],
    retries: { attempts: 1, initialBackoffMs: 1, maxBackoffMs: 5 },
    teams: [{ name: "team-one", models: ["gpt-fake"], budget: { usd: 100, period: "month" } }],
    keys: [{ name: "team-one-key", team: "team-one", key: { $env: "TEAM_KEY" } }],
    masterKey: { $env: "GW_MASTER_KEY" },
  };
  config = writeConfig(directory, gatewayConfig);
});

afterAll(async () => {
  await openAIUpstream?.close();
  await anthropicUpstream?.close();
  if (directory) removeTestDirectory(directory);
});

/** Requests that exercise every path where a careless gateway might print a key. */
async function exerciseGateway(gateway: { url: string; baseURL: string }): Promise<void> {
  const teamClient = createClient(gateway, secrets.TEAM_KEY);
  const masterClient = createClient(gateway, secrets.GW_MASTER_KEY);
  const hello = [{ role: "user" as const, content: "hi" }];

  await teamClient.chat.completions.create({ model: "gpt-fake", messages: hello });
  await collectStream(await teamClient.chat.completions.create({ model: "gpt-fake", messages: hello, stream: true }));
  await masterClient.chat.completions.create({ model: "claude-fake", messages: hello });
  // A key gw does not know that embeds real secrets, a forbidden model, an unknown model, bad JSON.
  expect((await postRaw(gateway, { model: "gpt-fake", messages: hello }, { apiKey: `${secrets.TEAM_KEY}x` })).status).toBe(401);
  expect((await postRaw(gateway, { model: "claude-fake", messages: hello }, { apiKey: secrets.TEAM_KEY })).status).toBe(403);
  expect((await postRaw(gateway, { model: "nope", messages: hello }, { apiKey: secrets.TEAM_KEY })).status).toBe(404);
  expect((await postRaw(gateway, "{not json", { apiKey: secrets.TEAM_KEY })).status).toBe(400);
  // Upstream failures: an auth error from the provider, a 500, a dropped connection.
  openAIUpstream.failNext([{ status: 401 }]);
  expect((await postRaw(gateway, { model: "gpt-fake", messages: hello }, { apiKey: secrets.TEAM_KEY })).status).toBeGreaterThanOrEqual(400);
  openAIUpstream.failNext([{ status: 500 }, { status: 500 }]);
  expect((await postRaw(gateway, { model: "gpt-fake", messages: hello }, { apiKey: secrets.TEAM_KEY })).status).toBeGreaterThanOrEqual(500);
  anthropicUpstream.failNext([{ dropConnection: true }, { dropConnection: true }]);
  expect((await postRaw(gateway, { model: "claude-fake", messages: hello }, { apiKey: secrets.GW_MASTER_KEY })).status).toBeGreaterThanOrEqual(500);
}

function expectNoSecret(output: string): void {
  for (const [name, value] of Object.entries(secrets)) {
    expect(output.includes(value), `${name}'s value appears in gw's output`).toBe(false);
  }
}

describe("no secret in logs", () => {
  for (const logFormat of ["text", "json"] as const) {
    test(`${logFormat} logs name keys but never print a key or provider secret`, async () => {
      openAIUpstream.reset();
      anthropicUpstream.reset();
      const gateway = await startGateway({ config, env: secrets, logFormat, dataDir: `${directory}/data-${logFormat}` });
      try {
        await exerciseGateway(gateway);
      } finally {
        await gateway.stop();
      }
      const output = gateway.stdout() + gateway.stderr();
      // The logs did record the requests (so the check is not vacuous)...
      expect(output).toContain("team-one-key");
      // ...and no secret.
      expectNoSecret(output);
      // The upstreams really received the keys gw holds.
      expect(openAIUpstream.chatRequests()[0]?.headers.authorization).toBe(`Bearer ${secrets.OPENAI_API_KEY}`);
    });
  }
});

describe("start-up refusal", () => {
  test("with the environment variables missing, gw serve exits non-zero naming every one", async () => {
    const port = await findFreePort();
    const result = await runGatewayCommand(["serve", config, "--host", "127.0.0.1", "--port", String(port), "--data-dir", `${directory}/data-refused`]);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const output = result.stdout + result.stderr;
    for (const name of Object.keys(secrets)) expect(output).toContain(name);
    // Nothing is listening.
    await expect(fetch(`http://127.0.0.1:${port}/health/liveness`)).rejects.toThrow();
  });

  test("with some variables set, only the missing ones are named, and the set values are not printed", async () => {
    const partial = { OPENAI_API_KEY: secrets.OPENAI_API_KEY, TEAM_KEY: secrets.TEAM_KEY };
    const result = await runGatewayCommand(
      ["serve", config, "--host", "127.0.0.1", "--port", String(await findFreePort()), "--data-dir", `${directory}/data-refused`],
      { env: partial },
    );
    expect(result.code).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain("ANTHROPIC_API_KEY");
    expect(output).toContain("GW_MASTER_KEY");
    expectNoSecret(output);
  });

  test("an empty variable counts as missing", async () => {
    const result = await runGatewayCommand(
      ["serve", config, "--host", "127.0.0.1", "--port", String(await findFreePort()), "--data-dir", `${directory}/data-refused`],
      { env: { ...secrets, GW_MASTER_KEY: "" } },
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("GW_MASTER_KEY");
  });
});
