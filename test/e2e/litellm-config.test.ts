/**
 * End to end: `gw serve config.yaml` on a LiteLLM proxy config, as is, against local OpenAI and
 * Anthropic fakes, driven by the official OpenAI SDK: the master key from general_settings, chat and
 * streams, embeddings, load balancing over a model_name group (one api_base read from the
 * environment), a router_settings fallback, and prices from model_info.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { getRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, type GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-litellm-openai";
const anthropicKey = "sk-ant-upstream-litellm";
const masterKey = "sk-litellm-master-test";

let east: FakeUpstream;
let west: FakeUpstream;
let claude: FakeUpstream;
let gateway: GatewayProcess;
let directory: string;
let client: OpenAI;

beforeAll(async () => {
  east = await startOpenAIUpstream({ apiKey: openAIKey });
  west = await startOpenAIUpstream({ apiKey: openAIKey });
  claude = await startAnthropicUpstream({ apiKey: anthropicKey });
  directory = createTestDirectory("e2e-litellm");
  const config = join(directory, "config.yaml");
  writeFileSync(
    config,
    `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/EAST_API_BASE
      api_key: os.environ/OPENAI_API_KEY
    model_info:
      id: east
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: ${west.baseUrl}
      api_key: os.environ/OPENAI_API_KEY
    model_info:
      id: west
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-haiku-20241022
      api_base: ${claude.baseUrl}
      api_key: os.environ/ANTHROPIC_API_KEY
  - model_name: embed
    litellm_params:
      model: text-embedding-3-small
      api_base: ${east.baseUrl}
      api_key: os.environ/OPENAI_API_KEY
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 0
  fallbacks: [{"gpt-4o": ["claude"]}]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
`,
  );
  gateway = await startGateway({ config, env: { OPENAI_API_KEY: openAIKey, ANTHROPIC_API_KEY: anthropicKey, LITELLM_MASTER_KEY: masterKey, EAST_API_BASE: east.baseUrl } });
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: masterKey, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  for (const upstream of [east, west, claude]) await upstream?.close();
  if (directory !== undefined) removeTestDirectory(directory);
});

beforeEach(() => {
  for (const upstream of [east, west, claude]) upstream.reset();
});

describe("a LiteLLM config.yaml served as is", () => {
  test("general_settings.master_key guards the API", async () => {
    const denied = await new OpenAI({ baseURL: gateway.baseURL, apiKey: "sk-wrong", maxRetries: 0 }).models.list().catch((error: unknown) => error);
    expect(denied).toMatchObject({ status: 401 });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(["claude", "embed", "gpt-4o"]);
  });

  test("chat over a model_name group is load-balanced and priced from model_info", async () => {
    const seen = new Set<string>();
    for (let index = 0; index < 12; index++) {
      const { data, response } = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      seen.add(response.headers.get("x-gw-deployment") as string);
      const usage = data.usage!;
      expect(Number(response.headers.get("x-gw-cost-usd"))).toBeCloseTo(usage.prompt_tokens * 0.000001 + usage.completion_tokens * 0.000002, 8);
    }
    expect(seen).toEqual(new Set(["east", "west"]));
  });

  test("streams, and embeddings", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    const embedded = await client.embeddings.create({ model: "embed", input: ["one", "two"] });
    expect(embedded.data).toHaveLength(2);
  });

  test("router_settings.fallbacks: both gpt-4o deployments failing falls back to claude (Anthropic's wire format)", async () => {
    east.failNext(Array.from({ length: 3 }, () => ({ status: 500 })));
    west.failNext(Array.from({ length: 3 }, () => ({ status: 500 })));
    const { data, response } = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-gw-model")).toBe("claude");
    expect(claude.requests).toHaveLength(1);
  });

  test("serves LiteLLM's key API: a key generated with the master key calls the models it was given", async () => {
    const generated = await fetch(`${gateway.url}/key/generate`, {
      method: "POST",
      headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json" },
      body: JSON.stringify({ models: ["claude"], key_alias: "notebook" }),
    });
    expect(generated.status).toBe(200);
    const { key } = (await generated.json()) as { key: string };
    const scoped = new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0 });
    const { response } = await scoped.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(response.headers.get("x-gw-model")).toBe("claude");
    const refused = await scoped.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403 });
  });

  test("readiness lists the deployments by their model_info ids", async () => {
    const readiness = await getRaw(gateway, "/health/readiness");
    expect(Object.keys((readiness.json as { deployments: Record<string, unknown> }).deployments).sort()).toEqual(["claude/0", "east", "embed/0", "west"]);
  });
});

describe("a LiteLLM config's database_url and redis_host / redis_port", () => {
  test("are where gw serve keeps keys, spend and limits when no flag says otherwise", async () => {
    const { createTestSchema, testPostgresUrl } = await import("../../runtime/host/postgres/test-schema.ts");
    const schema = createTestSchema();
    const servicesDirectory = createTestDirectory("e2e-litellm-services");
    const config = join(servicesDirectory, "config.yaml");
    writeFileSync(
      config,
      `model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/LITELLM_DATABASE_URL
router_settings:
  redis_host: 127.0.0.1
  redis_port: 6379
`,
    );
    const served = await startGateway({
      config,
      env: { LITELLM_MASTER_KEY: masterKey, LITELLM_DATABASE_URL: testPostgresUrl },
      extraArgs: ["--postgres-schema", schema.schema, "--redis-prefix", `${schema.schema}:`],
    });
    try {
      expect(served.stdout()).toMatch(/store: postgres /);
      expect(served.stdout()).toMatch(/limits: redis redis:\/\/127\.0\.0\.1:6379 /);
      const generated = await fetch(`${served.url}/key/generate`, {
        method: "POST",
        headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json" },
        body: JSON.stringify({ key_alias: "stored" }),
      });
      expect(generated.status).toBe(200);
      // The key is stored in the config's Postgres, in the schema the flag chose.
      const [row] = await schema.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM api_keys`;
      expect(row?.count).toBe(1);
    } finally {
      await served.stop();
      await schema.drop();
      removeTestDirectory(servicesDirectory);
    }
  });
});
