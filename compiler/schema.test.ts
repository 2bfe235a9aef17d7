import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Project } from "ts-morph";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import configSchema from "../schemas/gateway.config.schema.json" with { type: "json" };
import { KNOWN_PROVIDERS } from "./providers.ts";
import { validateConfigSchema } from "./validate-schema.ts";

type SchemaNode = Record<string, unknown>;
const definitions = configSchema.definitions as Record<string, SchemaNode>;

/** Every object schema with `properties`, by a readable location. */
function objectSchemas(): [string, SchemaNode][] {
  const found: [string, SchemaNode][] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((item, index) => visit(item, `${where}/${index}`));
    if (typeof node !== "object" || node === null) return;
    const schema = node as SchemaNode;
    if (schema["type"] === "object" && schema["properties"] !== undefined) found.push([where, schema]);
    for (const [key, value] of Object.entries(schema)) if (key !== "enum") visit(value, `${where}/${key}`);
  };
  visit(configSchema, "#");
  return found;
}

describe("gateway.config.schema.json", () => {
  it("closes every object and describes every property (editors show the descriptions)", () => {
    for (const [where, schema] of objectSchemas()) {
      expect(schema["additionalProperties"], where).toBe(false);
      for (const [name, property] of Object.entries(schema["properties"] as Record<string, SchemaNode>)) {
        expect(typeof property["description"], `${where}/properties/${name}`).toBe("string");
      }
    }
  });

  it("lists exactly the providers the compiler knows", () => {
    const provider = (definitions["deployment"]!["properties"] as Record<string, SchemaNode>)["provider"]!;
    expect(provider["enum"]).toEqual(KNOWN_PROVIDERS);
  });

  it("has the same properties, and the same required ones, as the types in define-config.ts", () => {
    const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
    const source = project.createSourceFile("define-config.ts", readFileSync(fileURLToPath(new URL("./define-config.ts", import.meta.url)), "utf8"));
    const pairs: [string, SchemaNode][] = [
      ["GatewayConfig", configSchema as SchemaNode],
      ["ModelConfig", definitions["model"]!],
      ["DeploymentConfig", definitions["deployment"]!],
      ["PriceConfig", definitions["price"]!],
      ["RetryConfig", definitions["retries"]!],
      ["RoutingConfig", definitions["routing"]!],
      ["TeamConfig", definitions["team"]!],
      ["BudgetConfig", definitions["budget"]!],
      ["KeyConfig", definitions["key"]!],
    ];
    for (const [interfaceName, schema] of pairs) {
      const members = source.getInterfaceOrThrow(interfaceName).getProperties();
      const names = members.map((member) => member.getName().replace(/^"|"$/g, "")).sort();
      expect(Object.keys(schema["properties"] as SchemaNode).sort(), interfaceName).toEqual(names);
      const required = members.filter((member) => !member.hasQuestionToken()).map((member) => member.getName()).sort();
      expect([...((schema["required"] as string[] | undefined) ?? [])].sort(), interfaceName).toEqual(required);
    }
  });

  it("accepts the YAML example, os.environ references included", () => {
    const example = parse(readFileSync(fileURLToPath(new URL("../examples/openai-anthropic/gateway.config.yaml", import.meta.url)), "utf8"));
    expect(validateConfigSchema(example).diagnostics).toEqual([]);
  });

  it("accepts env references in both spellings and rejects malformed ones", () => {
    const withKey = (masterKey: unknown) => ({ models: [{ name: "m", deployments: [{ provider: "mock", model: "x" }] }], masterKey });
    expect(validateConfigSchema(withKey({ $env: "GW_MASTER_KEY" })).diagnostics).toEqual([]);
    expect(validateConfigSchema(withKey("os.environ/GW_MASTER_KEY")).diagnostics).toEqual([]);
    expect(validateConfigSchema(withKey("a-literal-key")).diagnostics).toEqual([]);
    expect(validateConfigSchema(withKey({ $env: "1BAD" })).diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1106"]);
    expect(validateConfigSchema(withKey("os.environ/not valid")).diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1106"]);
    expect(validateConfigSchema(withKey({ $env: "A", extra: 1 })).diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1102"]);
  });
});
