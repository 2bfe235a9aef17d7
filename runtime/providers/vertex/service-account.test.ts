import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServiceAccountKey, startFakeTokenEndpoint, type ServiceAccountKey } from "../../../test/fakes/google-token-endpoint.ts";
import { GatewayError } from "../../http/errors.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { AdapterIO, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { vertex } from "./index.ts";
import { createServiceAccountAuthorizer, parseServiceAccount } from "./service-account.ts";

let clock = Date.now();
const endpoint = await startFakeTokenEndpoint({ now: () => clock });
let key: ServiceAccountKey;
let fetchCount = 0;
const io: AdapterIO = {
  fetch: (url, init) => {
    fetchCount++;
    return fetch(url, init);
  },
  now: () => clock,
};

function deploymentWith(serviceAccount: string | undefined): ResolvedDeployment {
  return testDeployment({
    id: "vertex-main",
    provider: "vertex",
    model: "gemini-2.5-flash",
    baseUrl: "https://us-central1-aiplatform.googleapis.com",
    secrets: serviceAccount === undefined ? {} : { serviceAccount },
    options: { project: "gw-test-project", region: "us-central1" },
  });
}

function request(): UpstreamRequest {
  return { url: "https://example.invalid", method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
}

async function authorizeOnce(authorizer: ReturnType<typeof createServiceAccountAuthorizer>): Promise<string> {
  const upstream = request();
  await authorizer.authorize(upstream, new AbortController().signal);
  return upstream.headers.authorization ?? "";
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

beforeAll(() => {
  key = createServiceAccountKey({ tokenUri: endpoint.tokenUri });
  endpoint.setAccount(key);
});

afterAll(async () => {
  await endpoint.close();
});

beforeEach(() => {
  clock = Date.now();
  fetchCount = 0;
  endpoint.exchanges.length = 0;
});

describe("vertex service-account authorizer", () => {
  it("is the adapter's authorizer", () => {
    expect(vertex.createAuthorizer).toBe(createServiceAccountAuthorizer);
  });

  it("signs an RS256 JWT the token endpoint verifies, and sends the token it gets as a bearer token", async () => {
    const authorizer = createServiceAccountAuthorizer(deploymentWith(key.json), io);
    const authorization = await authorizeOnce(authorizer);
    expect(endpoint.exchanges).toHaveLength(1);
    const exchange = endpoint.exchanges[0]!;
    expect(exchange.problem).toBeNull();
    expect(exchange.header).toMatchObject({ alg: "RS256", typ: "JWT", kid: key.keyId });
    expect(exchange.claims).toMatchObject({
      iss: key.clientEmail,
      sub: key.clientEmail,
      aud: endpoint.tokenUri,
      scope: "https://www.googleapis.com/auth/cloud-platform",
    });
    expect((exchange.claims!.exp as number) - (exchange.claims!.iat as number)).toBe(3600);
    expect(authorization).toBe(`Bearer ${exchange.accessToken}`);
    expect(endpoint.isIssued(exchange.accessToken!)).toBe(true);
  });

  it("reuses the cached token until five minutes before it expires, then exchanges again", async () => {
    const authorizer = createServiceAccountAuthorizer(deploymentWith(key.json), io);
    const first = await authorizeOnce(authorizer);
    clock += 50 * 60 * 1000;
    expect(await authorizeOnce(authorizer)).toBe(first);
    expect(fetchCount).toBe(1);
    clock += 5 * 60 * 1000; // 55 minutes in: the 3599 s token is less than 5 minutes from expiring
    const renewed = await authorizeOnce(authorizer);
    expect(fetchCount).toBe(2);
    expect(renewed).not.toBe(first);
    expect(endpoint.exchanges.every((exchange) => exchange.problem === null)).toBe(true);
  });

  it("shares one exchange among concurrent requests", async () => {
    const authorizer = createServiceAccountAuthorizer(deploymentWith(key.json), io);
    endpoint.hold();
    const pending = Array.from({ length: 5 }, () => authorizeOnce(authorizer));
    while (endpoint.held() === 0) await new Promise((wake) => setTimeout(wake, 5));
    endpoint.release();
    const results = await Promise.all(pending);
    expect(fetchCount).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it("lets a request give up waiting without cancelling the shared exchange", async () => {
    const authorizer = createServiceAccountAuthorizer(deploymentWith(key.json), io);
    endpoint.hold();
    const controller = new AbortController();
    const abandoned = authorizer.authorize(request(), controller.signal);
    const patient = authorizeOnce(authorizer);
    while (endpoint.held() === 0) await new Promise((wake) => setTimeout(wake, 5));
    controller.abort(new Error("client went away"));
    await expect(abandoned).rejects.toThrow("client went away");
    endpoint.release();
    expect(await patient).toMatch(/^Bearer ya29\.fake-/);
    expect(fetchCount).toBe(1);
  });

  it("turns refused credentials into a non-retryable 401 that quotes no key material, and does not cache the failure", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const forged = JSON.stringify({ ...JSON.parse(key.json), private_key: other });
    const authorizer = createServiceAccountAuthorizer(deploymentWith(forged), io);
    const error = await failure(authorizeOnce(authorizer));
    expect(error).toMatchObject({ status: 401, type: "authentication_error", code: "upstream_authentication_failed", retryable: false });
    expect(error.message).toContain("invalid_grant: Invalid JWT Signature.");
    expect(error.message).not.toContain("PRIVATE KEY");
    expect(error.message).not.toMatch(/eyJ/);
    await failure(authorizeOnce(authorizer));
    expect(fetchCount).toBe(2);
  });

  it("turns an unreachable or failing token endpoint into a retryable 503", async () => {
    const unreachable = JSON.stringify({ ...JSON.parse(key.json), token_uri: "http://127.0.0.1:1/token" });
    const error = await failure(authorizeOnce(createServiceAccountAuthorizer(deploymentWith(unreachable), io)));
    expect(error).toMatchObject({ status: 503, retryable: true, code: "upstream_auth_unavailable" });

    endpoint.failNext([{ status: 503, body: { error: "temporarily_unavailable" }, headers: { "retry-after": "2" } }]);
    const busy = await failure(authorizeOnce(createServiceAccountAuthorizer(deploymentWith(key.json), io)));
    expect(busy).toMatchObject({ status: 503, retryable: true, retryAfterMs: 2000 });

    endpoint.failNext([{ status: 200, body: { token_type: "Bearer" } }]);
    expect(await failure(authorizeOnce(createServiceAccountAuthorizer(deploymentWith(key.json), io)))).toMatchObject({ status: 503, retryable: true });
  });
});

describe("parseServiceAccount", () => {
  it("reads the fields gw needs", () => {
    const account = parseServiceAccount(key.json, "d");
    expect(account).toMatchObject({ clientEmail: key.clientEmail, privateKeyId: key.keyId, tokenUri: endpoint.tokenUri, projectId: "gw-test-project" });
    const withoutUri = JSON.parse(key.json) as Record<string, unknown>;
    delete withoutUri.token_uri;
    expect(parseServiceAccount(JSON.stringify(withoutUri), "d").tokenUri).toBe("https://oauth2.googleapis.com/token");
  });

  it("refuses unusable credentials at start-up with a message that names the problem, not the secret", () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /no service-account credentials/],
      ["{not json", /not valid JSON/],
      [JSON.stringify({ type: "authorized_user", client_id: "x" }), /type "authorized_user"/],
      [JSON.stringify({ ...JSON.parse(key.json), client_email: undefined }), /no client_email/],
      [JSON.stringify({ ...JSON.parse(key.json), private_key: "-----BEGIN PRIVATE KEY-----\nsecretgarbage\n-----END PRIVATE KEY-----\n" }), /not a readable PEM/],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        createServiceAccountAuthorizer(deploymentWith(text), io);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).message).toMatch(message);
      expect((error as GatewayError).message).not.toContain("secretgarbage");
    }
  });
});
