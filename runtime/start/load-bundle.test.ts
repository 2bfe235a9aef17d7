import { describe, expect, it } from "vitest";
import { BundleLoadError, loadBundle, MissingEnvError, sha256Hex } from "./load-bundle.ts";
import type { AdapterIO, ProviderAdapter, RequestAuthorizer, ResolvedDeployment } from "../providers/types.ts";
import { createFakeBundle, type FakeDeployment, fakeAdapter, fakeBaseUrl, getFakeProvider } from "../testing/fake-provider.ts";

const teams = [
  { name: "research", budget: { usd: 10, period: "month" as const }, models: ["chat"] },
  { name: "ops", budget: null, models: null },
];

describe("loadBundle", () => {
  it("refuses to start with one error listing every missing variable", () => {
    const bundle = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      masterKey: { env: "GW_MASTER_KEY" },
      teams,
      keys: [{ name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } }],
    });
    let thrown: unknown;
    try {
      loadBundle(bundle, { env: { RESEARCH_KEY: "" }, getProvider: getFakeProvider });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingEnvError);
    expect((thrown as MissingEnvError).missing).toEqual(["FAKE_API_KEY", "GW_MASTER_KEY", "RESEARCH_KEY"]);
    expect((thrown as Error).message).toContain("FAKE_API_KEY, GW_MASTER_KEY, RESEARCH_KEY");
  });

  it("resolves secrets, hashes env keys, defaults the base URL and converts prices per token", () => {
    const bundle = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      masterKey: { env: "GW_MASTER_KEY" },
      teams,
      keys: [
        { name: "research-ci", team: "research", key: { env: "RESEARCH_KEY" } },
        { name: "ops-bot", team: "ops", key: { sha256: sha256Hex("ops-secret").toUpperCase() } },
      ],
      price: { input: 3, output: 15 },
    });
    const plan = loadBundle(bundle, {
      env: { FAKE_API_KEY: "sk-up", GW_MASTER_KEY: "master", RESEARCH_KEY: "research-secret" },
      getProvider: getFakeProvider,
    });
    const target = plan.routes.get("chat")?.deployments[0];
    expect(target?.adapter).toBe(fakeAdapter);
    expect(target?.deployment.baseUrl).toBe(fakeBaseUrl);
    expect(target?.deployment.apiKey).toBe("sk-up");
    expect(target?.price?.input).toBeCloseTo(3e-6, 15);
    expect(target?.price?.output).toBeCloseTo(15e-6, 15);
    expect(plan.keys.get(sha256Hex("research-secret"))).toMatchObject({ keyName: "research-ci", team: "research" });
    expect([...(plan.keys.get(sha256Hex("research-secret"))?.models ?? [])]).toEqual(["chat"]);
    expect(plan.keys.get(sha256Hex("ops-secret"))).toMatchObject({ keyName: "ops-bot", team: "ops", models: null });
    expect(Buffer.from(plan.masterKeyDigest ?? []).toString("hex")).toBe(sha256Hex("master"));
    expect(plan.open).toBe(false);
    expect(plan.teams.get("research")?.budget).toEqual({ usd: 10, period: "month" });
    expect(plan.teams.get("ops")?.budget).toBeNull();
  });

  it("is open when there is neither a master key nor team keys", () => {
    const plan = loadBundle(createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] }), {
      env: { FAKE_API_KEY: "x" },
      getProvider: getFakeProvider,
    });
    expect(plan.open).toBe(true);
  });

  it("refuses a provider this build does not know", () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] });
    expect(() => loadBundle(bundle, { env: { FAKE_API_KEY: "x" }, getProvider: () => undefined })).toThrow(BundleLoadError);
  });

  it("refuses a fallback to a model the bundle does not define", () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"], fallbacks: ["ghost"] }] });
    expect(() => loadBundle(bundle, { env: { FAKE_API_KEY: "x" }, getProvider: getFakeProvider })).toThrow(/ghost/);
  });
});

function loadOne(deployment: FakeDeployment, env: Record<string, string> = {}, getProvider = getFakeProvider) {
  const bundle = createFakeBundle({ models: [{ name: "chat", deployments: [deployment] }] });
  return loadBundle(bundle, { env: { FAKE_API_KEY: "sk-up", ...env }, getProvider });
}

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

/** An adapter whose default URL has placeholders, like Bedrock's and Vertex's. */
const regionalAdapter: ProviderAdapter = { ...fakeAdapter, name: "regional", defaultBaseUrl: "https://api.{region}.example.com/projects/{project}" };
const withRegional = (name: string) => (name === "regional" ? regionalAdapter : getFakeProvider(name));

describe("loadBundle: secrets, headers and options", () => {
  it("resolves secrets and headers, leaves unset optional variables out, and copies options", () => {
    const plan = loadOne(
      {
        model: "fake-1",
        secrets: {
          awsAccessKeyId: { env: "AWS_ACCESS_KEY_ID" },
          awsSessionToken: { env: "AWS_SESSION_TOKEN", optional: true },
          awsRegion: { env: "AWS_REGION", optional: true },
          literal: { value: "inline" },
        },
        headers: { "X-Team": { value: "research" }, "X-Secret-Header": { env: "HEADER_SECRET" }, "X-Optional": { env: "UNSET_OPTIONAL", optional: true } },
        options: { region: "eu-west-1", apiVersion: "2024-10-21" },
        priceProvider: "aws",
      },
      { AWS_ACCESS_KEY_ID: "AKIA-test", AWS_REGION: "us-east-2", HEADER_SECRET: "h-secret" },
    );
    const target = plan.routes.get("chat")!.deployments[0]!;
    expect(target.deployment.secrets).toEqual({ awsAccessKeyId: "AKIA-test", awsRegion: "us-east-2", literal: "inline" });
    expect(target.deployment.headers).toEqual({ "x-team": "research", "x-secret-header": "h-secret" });
    expect(target.extraHeaders).toEqual({ "x-team": "research", "x-secret-header": "h-secret" });
    expect(target.deployment.options).toEqual({ region: "eu-west-1", apiVersion: "2024-10-21" });
    expect(target.deployment.priceProvider).toBe("aws");
    expect(target.authorizer).toBeNull();
  });

  it("has no extra headers to add for a deployment without headers", () => {
    const target = loadOne({ model: "fake-1" }).routes.get("chat")!.deployments[0]!;
    expect(target.extraHeaders).toBeNull();
    expect(target.deployment.headers).toEqual({});
  });

  it("treats an unset optional API key as no key", () => {
    const plan = loadOne({ model: "fake-1", apiKey: { env: "LOCAL_KEY", optional: true } });
    expect(plan.routes.get("chat")!.deployments[0]!.deployment.apiKey).toBeNull();
  });

  it("lists missing variables of secrets and headers in the same single error as the others", () => {
    const bundle = createFakeBundle({
      models: [
        {
          name: "chat",
          deployments: [
            {
              model: "fake-1",
              secrets: { awsSecretAccessKey: { env: "AWS_SECRET_ACCESS_KEY" }, awsSessionToken: { env: "AWS_SESSION_TOKEN", optional: true } },
              headers: { "x-org": { env: "ORG_HEADER" } },
            },
          ],
        },
      ],
      masterKey: { env: "GW_MASTER_KEY" },
    });
    const error = thrownBy(() => loadBundle(bundle, { env: { AWS_SESSION_TOKEN: "" }, getProvider: getFakeProvider }));
    expect(error).toBeInstanceOf(MissingEnvError);
    expect((error as MissingEnvError).missing).toEqual(["AWS_SECRET_ACCESS_KEY", "FAKE_API_KEY", "GW_MASTER_KEY", "ORG_HEADER"]);
  });
});

describe("loadBundle: base URL placeholders", () => {
  it("fills {region} and {project} from the options", () => {
    const plan = loadOne({ model: "m", provider: "regional", options: { region: "us-central1", project: "my-project" } }, {}, withRegional);
    expect(plan.routes.get("chat")!.deployments[0]!.deployment.baseUrl).toBe("https://api.us-central1.example.com/projects/my-project");
  });

  it("falls back to the awsRegion secret for {region}, and fills a configured base URL too", () => {
    const plan = loadOne(
      {
        model: "m",
        provider: "regional",
        baseUrl: "https://proxy.example.com/{region}/",
        secrets: { awsRegion: { env: "AWS_REGION", optional: true } },
      },
      { AWS_REGION: "ap-south-1" },
      withRegional,
    );
    expect(plan.routes.get("chat")!.deployments[0]!.deployment.baseUrl).toBe("https://proxy.example.com/ap-south-1");
  });

  it("refuses to start when a placeholder cannot be filled, naming the deployment and the variable", () => {
    const error = thrownBy(() =>
      loadOne({ model: "m", provider: "regional", options: { project: "p" }, secrets: { awsRegion: { env: "AWS_REGION", optional: true } } }, {}, withRegional),
    );
    expect(error).toBeInstanceOf(BundleLoadError);
    expect(error.message).toContain('"chat/0"');
    expect(error.message).toContain("region");
    expect(error.message).toContain("AWS_REGION");
  });

  it("reads a base URL from its env var (LiteLLM's api_base: os.environ/NAME), and refuses one that is not an http(s) URL", () => {
    const plan = loadOne({ model: "m", baseUrlEnv: "CHAT_BASE" }, { CHAT_BASE: "http://10.0.0.5:8000/v1/" });
    expect(plan.routes.get("chat")!.deployments[0]!.deployment.baseUrl).toBe("http://10.0.0.5:8000/v1");
    const missing = thrownBy(() => loadOne({ model: "m", baseUrlEnv: "CHAT_BASE" }, {}));
    expect(missing).toBeInstanceOf(MissingEnvError);
    expect((missing as MissingEnvError).missing).toContain("CHAT_BASE");
    const bad = thrownBy(() => loadOne({ model: "m", baseUrlEnv: "CHAT_BASE" }, { CHAT_BASE: "file:///etc/passwd" }));
    expect(bad).toBeInstanceOf(BundleLoadError);
    expect(bad.message).toContain("CHAT_BASE");
    expect(bad.message).not.toContain("passwd");
  });

  it("refuses a region that would change the URL's host", () => {
    const error = thrownBy(() => loadOne({ model: "m", provider: "regional", options: { region: "evil.com/x?", project: "p" } }, {}, withRegional));
    expect(error).toBeInstanceOf(BundleLoadError);
    expect(error.message).toContain("cannot go into a URL");
  });
});

describe("loadBundle: authorizers", () => {
  it("creates each deployment's authorizer once, with the deployment and the given io", () => {
    const created: Array<{ deployment: ResolvedDeployment; io: AdapterIO }> = [];
    const authorizer: RequestAuthorizer = { authorize() {} };
    const signing: ProviderAdapter = {
      ...fakeAdapter,
      createAuthorizer(deployment, io) {
        created.push({ deployment, io });
        return authorizer;
      },
    };
    const io: AdapterIO = { fetch: async () => new Response("{}"), now: () => 42 };
    const bundle = createFakeBundle({
      models: [
        { name: "a", deployments: ["m-1", { model: "m-2", secrets: { token: { env: "TOKEN" } } }] },
        { name: "b", deployments: ["m-3"] },
      ],
    });
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k", TOKEN: "t" }, getProvider: () => signing, io });
    expect(created.map((entry) => entry.deployment.id)).toEqual(["a/0", "a/1", "b/0"]);
    expect(created[1]!.deployment.secrets).toEqual({ token: "t" });
    expect(created.every((entry) => entry.io === io)).toBe(true);
    expect(plan.routes.get("a")!.deployments.every((target) => target.authorizer === authorizer)).toBe(true);
  });

  it("does not create authorizers when variables are missing (the missing-variable error comes first)", () => {
    let calls = 0;
    const signing: ProviderAdapter = { ...fakeAdapter, createAuthorizer: () => (calls++, { authorize() {} }) };
    const bundle = createFakeBundle({ models: [{ name: "a", deployments: ["m-1"] }] });
    expect(() => loadBundle(bundle, { env: {}, getProvider: () => signing })).toThrow(MissingEnvError);
    expect(calls).toBe(0);
  });

  it("refuses to start when an adapter cannot use the credentials, without quoting them", () => {
    const parsing: ProviderAdapter = {
      ...fakeAdapter,
      createAuthorizer(deployment) {
        JSON.parse(deployment.secrets.serviceAccount ?? "");
        return { authorize() {} };
      },
    };
    const bundle = createFakeBundle({ models: [{ name: "a", deployments: [{ model: "m", secrets: { serviceAccount: { env: "SA_JSON" } } }] }] });
    const error = thrownBy(() => loadBundle(bundle, { env: { FAKE_API_KEY: "k", SA_JSON: "private-key-material-xyz" }, getProvider: () => parsing }));
    expect(error).toBeInstanceOf(BundleLoadError);
    expect(error.message).toContain('"a/0"');
    expect(error.message).not.toContain("private-key-material-xyz");

    const explaining: ProviderAdapter = {
      ...fakeAdapter,
      createAuthorizer() {
        throw new Error("the service account has no private_key");
      },
    };
    expect(() => loadBundle(bundle, { env: { FAKE_API_KEY: "k", SA_JSON: "{}" }, getProvider: () => explaining })).toThrow(/no private_key/);
  });
});

describe("loadBundle: wildcard routes", () => {
  const bundle = createFakeBundle({
    models: [
      { name: "fake/*", deployments: ["*"] },
      { name: "chat", deployments: ["fake-1"] },
      { name: "fake/special-*", deployments: ["special-*"] },
    ],
    teams: [{ name: "research", budget: null, models: ["chat", "fake/*"] }],
    keys: [{ name: "ci", team: "research", key: { sha256: sha256Hex("research-secret") } }],
  });

  it("keeps wildcard routes out of the exact table, longest prefix first, and lists every name in bundle order", () => {
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: getFakeProvider });
    expect([...plan.routes.keys()]).toEqual(["chat"]);
    expect(plan.wildcardRoutes.map((route) => route.wildcardPrefix)).toEqual(["fake/special-", "fake/"]);
    expect(plan.modelNames).toEqual(["fake/*", "chat", "fake/special-*"]);
    expect(plan.keys.get(sha256Hex("research-secret"))?.modelPrefixes).toEqual(["fake/"]);
  });

  it("refuses a fallback to a wildcard model", () => {
    const falling = createFakeBundle({
      models: [
        { name: "fake/*", deployments: ["*"] },
        { name: "chat", deployments: ["fake-1"], fallbacks: ["fake/*"] },
      ],
    });
    expect(() => loadBundle(falling, { env: { FAKE_API_KEY: "k" }, getProvider: getFakeProvider })).toThrow(/wildcard model "fake\/\*"/);
  });
});

describe("loadBundle: the config's services", () => {
  const withServices = (services: NonNullable<ReturnType<typeof createFakeBundle>["services"]>, env: Record<string, string> = {}) =>
    loadBundle({ ...createFakeBundle({ models: [{ name: "chat", deployments: ["m"] }] }), services }, { env: { FAKE_API_KEY: "k", ...env }, getProvider: getFakeProvider }).services;

  it("resolves Postgres and Redis URLs from env references (unset: none, never an error) or literals", () => {
    expect(withServices({ postgresUrl: { env: "DB", optional: true }, redisUrl: { value: "redis://cache:6379" } }, { DB: "postgres://db/app" })).toEqual({
      postgresUrl: "postgres://db/app",
      redisUrl: "redis://cache:6379",
    });
    expect(withServices({ postgresUrl: { env: "DB", optional: true } })).toEqual({ postgresUrl: null, redisUrl: null });
  });

  it("builds the Redis URL from host, port and password (LiteLLM's redis_host…), the password URL-encoded", () => {
    expect(withServices({ redisHost: { value: "cache.internal" }, redisPort: 6380, redisPassword: { env: "REDIS_PASSWORD", optional: true } }, { REDIS_PASSWORD: "p@ss:w/rd" }).redisUrl).toBe(
      "redis://:p%40ss%3Aw%2Frd@cache.internal:6380",
    );
    expect(withServices({ redisHost: { value: "cache" } }).redisUrl).toBe("redis://cache:6379");
  });
});
