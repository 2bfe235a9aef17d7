/**
 * Signs every Bedrock request with AWS Signature Version 4 (service "bedrock"), using the AWS
 * SDK's own signer (@smithy/signature-v4), hashing with node:crypto through @smithy/hash-node as the AWS
 * SDK does on Node and Bun (the pure-JavaScript SHA-256 cost about twice as much per signature).
 *
 * Invariants:
 * - The signature covers the final request: method, URL path (percent-encoded as sent; the signer
 *   encodes each segment once more, as SigV4 requires for every service but S3), query, every
 *   header present at that point (the runtime adds the deployment's extra headers before calling
 *   `authorize`, and changes nothing after), and the body (`x-amz-content-sha256`).
 * - `host` is signed as fetch will send it (the URL's host, port included unless default) and
 *   then removed again, so that fetch sets it itself.
 * - A session token (temporary credentials) is sent in `x-amz-security-token` and signed.
 * - The signing time is the injected clock's, so a signature is fresh when sent.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AdapterIO, RequestAuthorizer, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { resolveRegion } from "./endpoint.ts";

/** The service name in Bedrock Runtime's credential scope. */
export const bedrockSigningService = "bedrock";

/** Headers the signer computes; stale values from an earlier attempt are replaced. */
/** SignatureV4 takes a hash constructor: SHA-256 (HMAC when given a secret) on node:crypto. */
const Sha256Hash = Hash.bind(null, "sha256");

const generatedHeaders: ReadonlySet<string> = new Set(["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host"]);

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The deployment's AWS credentials; throws (at start-up) when a required one is missing. */
export function readCredentials(deployment: ResolvedDeployment): AwsCredentials {
  const accessKeyId = deployment.secrets.awsAccessKeyId;
  const secretAccessKey = deployment.secrets.awsSecretAccessKey;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `Bedrock deployment "${deployment.id}" has no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the deployment's \`aws\` field.`,
    );
  }
  const sessionToken = deployment.secrets.awsSessionToken;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    if (previous === undefined) query[name] = value;
    else query[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return query;
}

export function createAuthorizer(deployment: ResolvedDeployment, io: AdapterIO): RequestAuthorizer {
  const credentials = readCredentials(deployment);
  const region = resolveRegion(deployment);
  if (region === null) {
    throw new Error(`Bedrock deployment "${deployment.id}" has no region: set its \`region\` (e.g. "us-east-1") or AWS_REGION.`);
  }
  const signer = new SignatureV4({ service: bedrockSigningService, region, credentials, sha256: Sha256Hash, applyChecksum: true });

  async function authorize(request: UpstreamRequest): Promise<void> {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (generatedHeaders.has(name.toLowerCase())) delete request.headers[name];
      else headers[name] = value;
    }
    headers.host = url.host;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === "" ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: queryOf(url),
        headers,
        body: request.body,
      },
      { signingDate: new Date(io.now()) },
    );
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== "host") request.headers[name] = value;
    }
  }

  return { authorize };
}
