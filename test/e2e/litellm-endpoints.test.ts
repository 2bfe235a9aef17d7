/**
 * End to end: the endpoint aliases LiteLLM users hit, through the real `gw serve` and the
 * official `openai` SDK: an Azure-style client (`AzureOpenAI`: the deployment in the URL,
 * `?api-version=`, the key in `api-key`), OpenAI's retrieve-model, LiteLLM's /model/info and
 * /health/liveliness.
 */
import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureText } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { getRaw } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { openAIDeployment } from "../support/openai-deployment.ts";
import { validateChatCompletion } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-litellm-endpoints-test";
const masterKey = "gw-master-litellm-endpoints-test";
const teamKey = "gw-team-litellm-endpoints-test";

let upstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-litellm-endpoints",
    upstreams: [upstream],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey, TEAM_KEY: teamKey },
    masterKey,
    config: {
      models: [
        { name: "gpt-fake", deployments: [openAIDeployment("openai-main", upstream, { price: { inputPerMTok: 0.1, outputPerMTok: 0.4 } })] },
        { name: "restricted", deployments: [openAIDeployment("openai-restricted", upstream)] },
      ],
      teams: [{ name: "apps", models: ["gpt-fake"] }],
      keys: [{ name: "apps-key", team: "apps", key: { $env: "TEAM_KEY" } }],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

describe("an Azure-style client (AzureOpenAI)", () => {
  test("completes a chat against the deployment named in the URL, authenticated by api-key", async () => {
    const client = new AzureOpenAI({ endpoint: gateway.url, apiKey: teamKey, apiVersion: "2024-10-21", deployment: "gpt-fake", maxRetries: 0 });
    const { data: completion, response } = await client.chat.completions
      .create({ model: "ignored-the-url-wins", messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }] })
      .withResponse();
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("openai-text"));
    expect(response.headers.get("x-gw-model")).toBe("gpt-fake");
    expect(response.headers.get("x-gw-deployment")).toBe("openai-main");
    const upstreamRequest = lastRecorded(upstream.chatRequests());
    expect(upstreamRequest.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    expect(upstreamRequest.body).toMatchObject({ model: "gpt-4.1-nano" });
  });

  test("is refused a deployment its team may not use", async () => {
    const client = new AzureOpenAI({ endpoint: gateway.url, apiKey: teamKey, apiVersion: "2024-10-21", deployment: "restricted", maxRetries: 0 });
    await expect(client.chat.completions.create({ model: "restricted", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 403 });
    expect(upstream.chatRequests()).toHaveLength(0);
  });
});

describe("OpenAI's retrieve-model", () => {
  test("client.models.retrieve answers a model the key may use, and 404 for one it may not", async () => {
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: teamKey, maxRetries: 0 });
    const model = await client.models.retrieve("gpt-fake");
    expect(model).toMatchObject({ id: "gpt-fake", object: "model", owned_by: "gw" });
    expect(Number.isInteger(model.created)).toBe(true);
    await expect(client.models.retrieve("restricted")).rejects.toMatchObject({ status: 404, code: "model_not_found" });
  });
});

describe("LiteLLM's endpoints", () => {
  test("/model/info lists the team's deployments, without the upstream key", async () => {
    const response = await getRaw(gateway, "/model/info", teamKey);
    expect(response.status).toBe(200);
    expect(response.text).not.toContain(upstreamKey);
    const { data } = response.json as { data: Array<{ model_name: string; litellm_params: { model: string }; model_info: Record<string, unknown> }> };
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      model_name: "gpt-fake",
      litellm_params: { model: "openai/gpt-4.1-nano" },
      model_info: { id: "openai-main", mode: "chat", input_cost_per_token: 1e-7, output_cost_per_token: 4e-7 },
    });
  });

  test("/health/liveliness answers like /health/liveness", async () => {
    const response = await getRaw(gateway, "/health/liveliness");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: "ok" });
  });
});
