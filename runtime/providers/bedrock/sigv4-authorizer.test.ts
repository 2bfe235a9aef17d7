import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDeployment } from "../../testing/deployment.ts";
import { startBedrockUpstream, verifySigV4, type FakeUpstream } from "../../../test/fakes/bedrock-upstream.ts";
import type { RecordedRequest } from "../../../test/fakes/fake-server.ts";
import type { ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { bedrock } from "./index.ts";

const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN//+=" };
const signedAt = Date.UTC(2026, 0, 15, 12, 30, 0);

function deploymentFor(baseUrl: string, secrets: Record<string, string> = {}): ResolvedDeployment {
  return testDeployment({
    id: "claude-bedrock/0",
    provider: "bedrock",
    model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    baseUrl,
    secrets: { awsAccessKeyId: credentials.accessKeyId, awsSecretAccessKey: credentials.secretAccessKey, awsSessionToken: credentials.sessionToken, ...secrets },
    options: { region: "us-east-1" },
  });
}

const fixedClock = { fetch: globalThis.fetch, now: () => signedAt };

async function signedRequest(deployment: ResolvedDeployment, extraHeaders: Record<string, string> = {}): Promise<UpstreamRequest> {
  const { upstream } = await bedrock.buildRequest({ model: "claude", messages: [{ role: "user", content: "Hello ✓" }] }, deployment, false);
  Object.assign(upstream.headers, extraHeaders);
  await bedrock.createAuthorizer!(deployment, fixedClock).authorize(upstream, new AbortController().signal);
  return upstream;
}

/** What the upstream receives: lower-cased headers and the Host header fetch adds from the URL. */
function asReceived(request: UpstreamRequest): RecordedRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, path: url.pathname + url.search, headers, body: undefined, rawBody: request.body, outcome: "pending" };
}

const expectation = { credentials, region: "us-east-1", service: "bedrock", now: signedAt };

describe("bedrock SigV4 authorizer", () => {
  it("signs method, path, headers and body, with the session token, and an independent verifier accepts it", async () => {
    const request = await signedRequest(deploymentFor("https://bedrock-runtime.us-east-1.amazonaws.com"), { "x-team": "search" });
    expect(request.headers["x-amz-date"]).toBe("20260115T123000Z");
    expect(request.headers["x-amz-security-token"]).toBe(credentials.sessionToken);
    expect(request.headers).not.toHaveProperty("host");
    const authorization = request.headers.authorization ?? "";
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20260115\/us-east-1\/bedrock\/aws4_request, SignedHeaders=/);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";");
    expect(signedHeaders).toEqual(expect.arrayContaining(["accept", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token", "x-team"]));
    expect(verifySigV4(asReceived(request), expectation)).toEqual({ valid: true });
  });

  it("produces signatures the verifier rejects when anything signed changes", async () => {
    const request = await signedRequest(deploymentFor("https://bedrock-runtime.us-east-1.amazonaws.com"));
    const received = asReceived(request);
    expect(verifySigV4({ ...received, rawBody: received.rawBody.replace("Hello", "Bye") }, expectation)).toMatchObject({ valid: false, errorType: "InvalidSignatureException" });
    expect(verifySigV4({ ...received, path: received.path.replace("converse", "converse-stream") }, expectation)).toMatchObject({ valid: false });
    expect(verifySigV4({ ...received, headers: { ...received.headers, "x-amz-security-token": "other" } }, expectation)).toMatchObject({
      valid: false,
      errorType: "UnrecognizedClientException",
    });
    expect(verifySigV4(received, { ...expectation, now: signedAt + 10 * 60_000 })).toMatchObject({ valid: false, errorType: "InvalidSignatureException" });
    expect(verifySigV4(received, { ...expectation, region: "eu-west-1" })).toMatchObject({ valid: false });
    expect(verifySigV4(received, { ...expectation, credentials: { ...credentials, secretAccessKey: "another-secret" } })).toMatchObject({
      valid: false,
      errorType: "InvalidSignatureException",
    });
  });

  it("signs the model id's path segment as SigV4 requires (encoded twice); the verifier would catch a signer that did not", async () => {
    const request = await signedRequest(deploymentFor("https://bedrock-runtime.us-east-1.amazonaws.com"));
    const received = asReceived(request);
    expect(received.path).toContain("v1%3A0");
    // The same request signed by a signer that does not encode the path again: not what AWS computes.
    const careless = new SignatureV4({ service: "bedrock", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: false });
    const { authorization: _drop, "x-amz-date": _date, "x-amz-security-token": _token, "x-amz-content-sha256": _hash, ...unsigned } = request.headers;
    const url = new URL(request.url);
    const wrong = await careless.sign(
      { method: "POST", protocol: "https:", hostname: url.hostname, path: url.pathname, query: {}, headers: { ...unsigned, host: url.host }, body: request.body },
      { signingDate: new Date(signedAt) },
    );
    expect(verifySigV4({ ...received, headers: { ...received.headers, authorization: String(wrong.headers.authorization) } }, expectation)).toMatchObject({
      valid: false,
      errorType: "InvalidSignatureException",
    });
  });

  it("replaces the previous signature when a retry is authorized again", async () => {
    const deployment = deploymentFor("https://bedrock-runtime.us-east-1.amazonaws.com");
    const request = await signedRequest(deployment);
    const first = request.headers.authorization;
    const now = signedAt + 60_000;
    await bedrock.createAuthorizer!(deployment, { fetch: globalThis.fetch, now: () => now }).authorize(request, new AbortController().signal);
    expect(request.headers.authorization).not.toBe(first);
    expect(Object.keys(request.headers).filter((name) => name.toLowerCase() === "authorization")).toHaveLength(1);
    expect(verifySigV4(asReceived(request), { ...expectation, now })).toEqual({ valid: true });
  });

  it("signs without a session token when there is none", async () => {
    const deployment = deploymentFor("https://bedrock-runtime.us-east-1.amazonaws.com");
    const { awsSessionToken: _token, ...secrets } = deployment.secrets;
    const request = await signedRequest({ ...deployment, secrets });
    expect(request.headers).not.toHaveProperty("x-amz-security-token");
    const { sessionToken: _session, ...longTerm } = credentials;
    expect(verifySigV4(asReceived(request), { ...expectation, credentials: longTerm })).toEqual({ valid: true });
  });

  it("takes the region from the config, then AWS_REGION, then a standard Bedrock host name, and refuses to start without one", () => {
    const base = deploymentFor("https://bedrock-runtime.eu-central-1.amazonaws.com");
    expect(() => bedrock.createAuthorizer!({ ...base, options: {} }, fixedClock)).not.toThrow();
    expect(() => bedrock.createAuthorizer!({ ...base, baseUrl: "http://127.0.0.1:9", options: {} }, fixedClock)).toThrow(/no region/);
    expect(() => bedrock.createAuthorizer!({ ...base, baseUrl: "http://127.0.0.1:9", options: {}, secrets: { ...base.secrets, awsRegion: "us-west-2" } }, fixedClock)).not.toThrow();
    const { awsSecretAccessKey: _secret, ...withoutSecret } = base.secrets;
    expect(() => bedrock.createAuthorizer!({ ...base, secrets: withoutSecret }, fixedClock)).toThrow(/AWS_SECRET_ACCESS_KEY/);
  });
});

describe("bedrock SigV4 authorizer against the fake Bedrock over HTTP", () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startBedrockUpstream({ credentials });
  });
  afterAll(async () => {
    await upstream.close();
  });

  async function send(deployment: ResolvedDeployment): Promise<Response> {
    const { upstream: request } = await bedrock.buildRequest({ model: "claude", messages: [{ role: "user", content: "Hi" }] }, deployment, false);
    await bedrock.createAuthorizer!(deployment, { fetch: globalThis.fetch, now: Date.now }).authorize(request, new AbortController().signal);
    return fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  }

  it("is accepted with the right credentials (the Host header fetch sends, port included, is the one signed)", async () => {
    const response = await send(deploymentFor(upstream.url));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { stopReason: string }).stopReason).toBe("end_turn");
  });

  it("is rejected with Bedrock's 403 when the secret key is wrong, which gw maps to a clear credentials error", async () => {
    const response = await send(deploymentFor(upstream.url, { awsSecretAccessKey: "not-the-secret" }));
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^InvalidSignatureException/);
    const error = bedrock.mapError(response.status, await response.text(), response.headers);
    expect(error).toMatchObject({ status: 403, code: "upstream_authentication_failed" });
  });

  it("is rejected as an unrecognized client when the session token is missing", async () => {
    const deployment = deploymentFor(upstream.url);
    const { awsSessionToken: _token, ...secrets } = deployment.secrets;
    const response = await send({ ...deployment, secrets });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^UnrecognizedClientException/);
  });
});
