/**
 * End to end: the quickstart works as the README promises — `gw serve
 * examples/quickstart/gateway.config.ts` with the built-in mock provider, no keys, no network.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { assembleContent, collectStream, createClient, finalFinishReason } from "../support/gateway-client.ts";
import { validateChatCompletion, validateChatCompletionChunk } from "../support/openai-schema.ts";
import { createTestDirectory, removeTestDirectory, startGateway, type GatewayProcess } from "../support/start-gw.ts";

let gateway: GatewayProcess;
let directory: string;

beforeAll(async () => {
  directory = createTestDirectory("e2e-quickstart");
  gateway = await startGateway({ config: "examples/quickstart/gateway.config.ts", dataDir: `${directory}/data` });
});

afterAll(async () => {
  await gateway?.stop();
  if (directory) removeTestDirectory(directory);
});

test("the quickstart lists its model", async () => {
  const models = [];
  for await (const model of createClient(gateway, "any-key").models.list()) models.push(model.id);
  expect(models).toEqual(["mock-chat"]);
});

test("the quickstart answers a chat completion through the SDK", async () => {
  const completion = await createClient(gateway, "any-key").chat.completions.create({
    model: "mock-chat",
    messages: [{ role: "user", content: "Say hello" }],
  });
  expect(validateChatCompletion(completion)).toEqual([]);
  expect(completion.choices[0]?.message.content).toBeTruthy();
  expect(completion.choices[0]?.finish_reason).toBe("stop");
  expect(completion.usage?.total_tokens).toBeGreaterThan(0);
});

test("the quickstart streams through the SDK", async () => {
  const stream = await createClient(gateway, "any-key").chat.completions.create({
    model: "mock-chat",
    messages: [{ role: "user", content: "Say hello" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = await collectStream(stream);
  for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
  expect(assembleContent(chunks).length).toBeGreaterThan(0);
  expect(finalFinishReason(chunks)).toBe("stop");
  expect(chunks.some((chunk) => (chunk.usage?.total_tokens ?? 0) > 0)).toBe(true);
});
