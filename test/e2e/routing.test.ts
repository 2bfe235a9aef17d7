/**
 * End to end: weighted routing, concurrency, client disconnects, dropped parameters, the
 * OpenAI streaming-usage contract, and serving a bundle made by `gw build`.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { assembleContent, collectStream, createClient } from "../support/gateway-client.ts";
import { validateChatCompletion } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import {
  createTestDirectory,
  removeTestDirectory,
  runGatewayCommand,
  startGateway,
  writeConfig,
  type GatewayProcess,
} from "../support/start-gw.ts";
import type { GatewayConfig } from "../../compiler/define-config.ts";

const openAIKey = "sk-upstream-routing";
const anthropicKey = "sk-ant-upstream-routing";
const masterKey = "gw-master-routing";
const environment = { OPENAI_API_KEY: openAIKey, ANTHROPIC_API_KEY: anthropicKey, GW_MASTER_KEY: masterKey };

let left: FakeUpstream;
let right: FakeUpstream;
let anthropic: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;
let gatewayConfig: GatewayConfig;

const hello = [{ role: "user" as const, content: "Hello, how are you?" }];

beforeAll(async () => {
  left = await startOpenAIUpstream({ apiKey: openAIKey });
  right = await startOpenAIUpstream({ apiKey: openAIKey });
  anthropic = await startAnthropicUpstream({ apiKey: anthropicKey });
  const price = { inputPerMTok: 1, outputPerMTok: 2 };
  const openAIDeployment = (name: string, upstream: FakeUpstream) => ({
    name,
    provider: "openai" as const,
    model: "gpt-4.1-nano",
    baseUrl: upstream.baseUrl,
    apiKey: { $env: "OPENAI_API_KEY" },
    weight: 1,
    price,
  });
  gatewayConfig = {
    models: [
      { name: "balanced", deployments: [openAIDeployment("left", left), openAIDeployment("right", right)] },
      {
        name: "claude",
        deployments: [
          { name: "claude-main", provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: anthropic.baseUrl, apiKey: { $env: "ANTHROPIC_API_KEY" }, price },
        ],
      },
    ],
    masterKey: { $env: "GW_MASTER_KEY" },
  };
  ({ gateway, stop } = await serveTestConfig({ name: "e2e-routing", upstreams: [left, right, anthropic], env: environment, masterKey, config: gatewayConfig }));
});

afterAll(() => stop?.());

beforeEach(() => {
  for (const upstream of [left, right, anthropic]) upstream.reset();
});

const client = () => createClient(gateway, masterKey);

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still not true after 5 s: ${what}`);
}

describe("routing", () => {
  test("two equally weighted deployments both get traffic, and x-gw-deployment names the one that answered", async () => {
    const answeredBy: string[] = [];
    for (let index = 0; index < 40; index++) {
      const leftBefore = left.chatRequests().length;
      const { response } = await client().chat.completions.create({ model: "balanced", messages: hello }).withResponse();
      const deployment = response.headers.get("x-gw-deployment");
      answeredBy.push(deployment ?? "none");
      expect(deployment).toBe(left.chatRequests().length > leftBefore ? "left" : "right");
    }
    // With 40 fair coin flips, one side getting nothing has probability 2^-39.
    expect(left.chatRequests().length).toBeGreaterThan(0);
    expect(right.chatRequests().length).toBeGreaterThan(0);
    expect(left.chatRequests().length + right.chatRequests().length).toBe(40);
  });

  test("when one deployment fails, the retry goes to the other one", async () => {
    for (let round = 0; round < 10; round++) {
      left.reset();
      right.reset();
      left.failNext([{ status: 500 }, { status: 500 }, { status: 500 }]);
      const { data, response } = await client().chat.completions.create({ model: "balanced", messages: hello }).withResponse();
      expect(data.choices[0]?.message.content).toBe(fixtureText("openai-text"));
      expect(response.headers.get("x-gw-deployment")).toBe("right");
      // Picked first or not, the failing deployment is tried at most once: the retry prefers the other.
      expect(left.chatRequests().length).toBeLessThanOrEqual(1);
      expect(right.chatRequests()).toHaveLength(1);
    }
  });
});

describe("concurrency and disconnects", () => {
  test("parallel streams through both providers each get their own complete answer", async () => {
    const runs = Array.from({ length: 12 }, async (_, index) => {
      const model = index % 2 === 0 ? "balanced" : "claude";
      const chunks = await collectStream(await client().chat.completions.create({ model, messages: hello, stream: true }));
      return { model, text: assembleContent(chunks) };
    });
    for (const { model, text } of await Promise.all(runs)) {
      expect(text).toBe(fixtureStreamText(model === "claude" ? "anthropic-text" : "openai-text"));
    }
  });

  test("a client that goes away mid-stream makes gw abort the upstream request", async () => {
    anthropic.setChunkDelay(200);
    const stream = await client().chat.completions.create({ model: "claude", messages: hello, stream: true });
    let received = 0;
    for await (const _chunk of stream) {
      if (++received === 2) break; // the SDK aborts the HTTP request on break
    }
    await eventually(() => anthropic.chatRequests()[0]?.outcome === "aborted", "the upstream request was aborted");
    anthropic.setChunkDelay(0);
    const completion = await client().chat.completions.create({ model: "claude", messages: hello });
    expect(completion.choices[0]?.message.content).toBe(fixtureText("anthropic-text"));
  });
});

describe("OpenAI compatibility details", () => {
  test("without stream_options.include_usage, no usage-only chunk (empty choices) is sent", async () => {
    for (const model of ["balanced", "claude"]) {
      const chunks = await collectStream(await client().chat.completions.create({ model, messages: hello, stream: true }));
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.filter((chunk) => chunk.choices.length === 0)).toEqual([]);
    }
  });

  test("parameters Anthropic cannot honour are dropped and named in x-gw-warnings", async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: "claude", messages: hello, max_tokens: 50, logprobs: true, presence_penalty: 0.5 })
      .withResponse();
    expect(validateChatCompletion(data)).toEqual([]);
    const warnings = response.headers.get("x-gw-warnings") ?? "";
    expect(warnings).toContain("logprobs");
    expect(warnings).toContain("presence_penalty");
    const body = anthropic.chatRequests()[0]?.body as Record<string, unknown>;
    expect(body.logprobs).toBeUndefined();
    expect(body.presence_penalty).toBeUndefined();
  });
});

describe("gw build, then gw serve the bundle", () => {
  test("the bundle holds no secret and serves the same models", async () => {
    const buildDirectory = createTestDirectory("e2e-bundle");
    try {
      const config = writeConfig(buildDirectory, gatewayConfig, "ts");
      const bundlePath = `${buildDirectory}/bundle.json`;
      const build = await runGatewayCommand(["build", config, "--out", bundlePath]);
      expect(build.code, build.stdout + build.stderr).toBe(0);
      const bundleText = readFileSync(bundlePath, "utf8");
      for (const value of Object.values(environment)) expect(bundleText).not.toContain(value);

      const served = await startGateway({ config: bundlePath, dataDir: `${buildDirectory}/data`, env: environment });
      try {
        const completion = await createClient(served, masterKey).chat.completions.create({ model: "claude", messages: hello });
        expect(completion.choices[0]?.message.content).toBe(fixtureText("anthropic-text"));
      } finally {
        await served.stop();
      }
    } finally {
      removeTestDirectory(buildDirectory);
    }
  });
});
