import { defineConfig } from "gw-gateway/config";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

export default defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "openai", model: "gpt-4o", baseUrl: requireEnv("GW_TEST_UNSET_BASE_URL") }] }],
});
