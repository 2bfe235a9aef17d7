import { describe, expect, it } from "vitest";
import { compileObject } from "../test/compiler/compile-object.ts";
import { validateBundle } from "./validate-bundle.ts";

const bundle = compileObject({
  models: [
    { name: "a", deployments: [{ provider: "mock", model: "x" }, { provider: "mock", model: "y", weight: 2 }] },
    { name: "b", deployments: [{ provider: "openai", model: "gpt-4o", apiKey: { $env: "OPENAI_API_KEY" } }] },
  ],
  fallbacks: { a: ["b"] },
  teams: [{ name: "t", models: ["a"] }],
  keys: [{ name: "k", team: "t", key: { $env: "K" } }],
});

describe("validateBundle", () => {
  it("accepts what the compiler produces", () => {
    expect(validateBundle(bundle)).toEqual([]);
    expect(validateBundle(JSON.parse(JSON.stringify(bundle)))).toEqual([]);
  });

  it("rejects shapes that do not match the schema, saying where", () => {
    const broken = structuredClone(bundle) as unknown as Record<string, unknown>;
    broken["version"] = 2;
    delete broken["env"];
    const problems = validateBundle(broken);
    expect(problems).toContain("bundle must have required property 'env'");
    expect(problems).toContain("bundle/version must be equal to constant");
    expect(validateBundle("nope")).toEqual(["bundle must be object"]);
  });

  it("rejects broken invariants the schema cannot express", () => {
    const broken = structuredClone(bundle);
    broken.routes["a"]!.cumulativeWeights = [0.5];
    broken.routes["b"]!.fallbacks = ["c"];
    broken.policy.keys[0]!.team = "nobody";
    expect(validateBundle(broken)).toEqual([
      "bundle/routes/a/cumulativeWeights must have one entry per deployment",
      "bundle/routes/a/cumulativeWeights must end with 1",
      'bundle/routes/b/fallbacks refers to unknown route "c"',
      'bundle/policy/keys/0/team refers to unknown team "nobody"',
    ]);
  });
});

describe("validateBundle on wildcard routes and env lists", () => {
  const wildcard = compileObject({
    models: [
      { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
      { name: "local", deployments: [{ provider: "vllm", model: "m" }] },
    ],
    fallbacks: { "anthropic/*": ["local"] },
  });

  it("accepts what the compiler produces", () => {
    expect(validateBundle(wildcard)).toEqual([]);
  });

  it("checks the wildcard prefix against the name, fallbacks to wildcards and repeated env names", () => {
    const broken = structuredClone(wildcard);
    broken.routes["anthropic/*"]!.wildcardPrefix = "claude/";
    broken.routes["local"]!.wildcardPrefix = "local/";
    broken.routes["local"]!.fallbacks = ["anthropic/*"];
    broken.env = ["VLLM_API_KEY"];
    expect(validateBundle(broken)).toEqual([
      'bundle/routes/anthropic/*/wildcardPrefix must be "anthropic/"',
      // "local" now claims to be a wildcard route, so falling back to it is refused too.
      'bundle/routes/anthropic/*/fallbacks refers to wildcard route "local"',
      "bundle/routes/local/wildcardPrefix must be null",
      'bundle/routes/local/fallbacks refers to wildcard route "anthropic/*"',
      'bundle/optionalEnv must not repeat "VLLM_API_KEY" from bundle/env',
    ]);
  });
});

describe("bundle.schema.json", () => {
  it("has exactly the properties of the types in contract/bundle.ts, required unless optional there", async () => {
    const { readFileSync } = await import("node:fs");
    const { Project } = await import("ts-morph");
    const schema = (await import("../schemas/bundle.schema.json", { with: { type: "json" } })).default as Record<string, unknown>;
    type Node = { properties?: Record<string, Node>; required?: string[]; anyOf?: Node[] };
    const definitions = schema["definitions"] as Record<string, Node>;
    const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
    const source = project.createSourceFile("bundle.ts", readFileSync(new URL("./bundle.ts", import.meta.url), "utf8"));
    const pairs: [string, Node][] = [
      ["Bundle", schema as Node],
      ["CompiledDeployment", definitions["deployment"]!],
      ["CompiledRoute", definitions["route"]!],
      ["CompiledRetry", definitions["route"]!.properties!["retry"]!],
      ["CompiledPrice", definitions["price"]!],
      ["CompiledTeam", definitions["team"]!],
      ["CompiledBudget", definitions["team"]!.properties!["budget"]!.anyOf![0]!],
      ["CompiledKey", definitions["key"]!],
      ["CompiledDeploymentLimits", definitions["deployment"]!.properties!["limits"]!.anyOf![0]!],
    ];
    for (const [name, node] of pairs) {
      const properties = source.getInterfaceOrThrow(name).getProperties();
      const members = properties.map((member) => member.getName()).sort();
      const required = properties.filter((member) => !member.hasQuestionToken()).map((member) => member.getName()).sort();
      expect(Object.keys(node.properties ?? {}).sort(), name).toEqual(members);
      expect([...(node.required ?? [])].sort(), name).toEqual(required);
    }
  });
});
