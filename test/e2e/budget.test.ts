/**
 * End to end: team budgets are enforced from recorded spend, and the spend survives a
 * restart of `gw serve` on the same data directory.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureText } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { collectStream, createClient, postRaw } from "../support/gateway-client.ts";
import { validateErrorResponse } from "../support/openai-schema.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-budget";
const tinyKey = "gw-team-tiny-budget";
const streamKey = "gw-team-stream-budget";
const roomyKey = "gw-team-roomy-budget";

let upstream: FakeUpstream;
let directory: string;
let config: string;
let gateway: GatewayProcess | undefined;

const hello = [{ role: "user" as const, content: "Invent a new holiday." }];
const environment = { OPENAI_API_KEY: upstreamKey, TINY_KEY: tinyKey, STREAM_KEY: streamKey, ROOMY_KEY: roomyKey };

function start(): Promise<GatewayProcess> {
  return startGateway({ config, dataDir: `${directory}/data`, env: environment });
}

interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  directory = createTestDirectory("e2e-budget");
  // At $1000 per million tokens, one recorded completion (16 + 363 tokens) costs about $0.38,
  // far above the $0.0001 budgets: one request is allowed, then the team is over.
  config = writeConfig(directory, {
    models: [
      {
        name: "pricey",
        deployments: [
          {
            provider: "openai",
            model: "gpt-4.1-nano",
            baseUrl: upstream.baseUrl,
            apiKey: { $env: "OPENAI_API_KEY" },
            price: { inputPerMTok: 1000, outputPerMTok: 1000 },
          },
        ],
      },
    ],
    teams: [
      { name: "tiny-team", budget: { usd: 0.0001, period: "day" } },
      { name: "stream-team", budget: { usd: 0.0001, period: "month" } },
      { name: "roomy-team", budget: { usd: 1_000_000, period: "day" } },
    ],
    keys: [
      { name: "tiny", team: "tiny-team", key: { $env: "TINY_KEY" } },
      { name: "streamer", team: "stream-team", key: { $env: "STREAM_KEY" } },
      { name: "roomy", team: "roomy-team", key: { $env: "ROOMY_KEY" } },
    ],
  });
  gateway = await start();
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
  if (directory) removeTestDirectory(directory);
});

function expectBudgetExceeded(response: { status: number; json: unknown }, team: string): void {
  expect(response.status).toBe(429);
  expect(validateErrorResponse(response.json)).toEqual([]);
  const { error } = response.json as ErrorBody;
  expect(error.code).toBe("budget_exceeded");
  expect(error.message).toContain(team);
}

describe("team budgets", () => {
  test("the first request passes; once the spend is over the budget the next is a 429 budget_exceeded naming the team", async () => {
    const first = await createClient(gateway!, tinyKey).chat.completions.create({ model: "pricey", messages: hello });
    expect(first.choices[0]?.message.content).toBe(fixtureText("openai-text"));
    const requestsBefore = upstream.chatRequests().length;

    const second = await postRaw(gateway!, { model: "pricey", messages: hello }, { apiKey: tinyKey });
    expectBudgetExceeded(second, "tiny-team");
    expect(upstream.chatRequests()).toHaveLength(requestsBefore);
  });

  test("the SDK sees the budget refusal as a RateLimitError with code budget_exceeded", async () => {
    await expect(createClient(gateway!, tinyKey).chat.completions.create({ model: "pricey", messages: hello })).rejects.toMatchObject({
      status: 429,
      code: "budget_exceeded",
    });
  });

  test("streamed requests are counted too, even when the client did not ask for usage", async () => {
    const stream = await createClient(gateway!, streamKey).chat.completions.create({ model: "pricey", messages: hello, stream: true });
    const chunks = await collectStream(stream);
    expect(chunks.length).toBeGreaterThan(1);
    const next = await postRaw(gateway!, { model: "pricey", messages: hello }, { apiKey: streamKey });
    expectBudgetExceeded(next, "stream-team");
  });

  test("another team is not affected", async () => {
    const response = await postRaw(gateway!, { model: "pricey", messages: hello }, { apiKey: roomyKey });
    expect(response.status).toBe(200);
  });

  test("after a restart on the same data directory, the teams are still over budget", async () => {
    const stopped = await gateway!.stop();
    expect(stopped.code === 0 || stopped.signal === "SIGTERM").toBe(true);
    gateway = undefined;
    gateway = await start();

    expectBudgetExceeded(await postRaw(gateway, { model: "pricey", messages: hello }, { apiKey: tinyKey }), "tiny-team");
    expectBudgetExceeded(await postRaw(gateway, { model: "pricey", messages: hello }, { apiKey: streamKey }), "stream-team");
    expect((await postRaw(gateway, { model: "pricey", messages: hello }, { apiKey: roomyKey })).status).toBe(200);
  });
});
