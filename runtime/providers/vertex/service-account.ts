/**
 * OAuth access tokens for Vertex AI from a Google service-account key (the JSON file Google
 * issues: client_email, private_key, private_key_id, token_uri, project_id).
 *
 * Google's two-legged flow: gw signs a JWT with the key (RS256; iss = sub = client_email,
 * aud = token_uri, scope cloud-platform, iat, exp = iat + 1 h, kid = private_key_id) and
 * exchanges it at token_uri (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer) for a
 * bearer token valid `expires_in` seconds.
 *
 * Invariants:
 * - One token per deployment, cached until 5 minutes (at most half its lifetime) before it
 *   expires; concurrent requests that need a new one share a single exchange.
 * - A failed exchange is not cached: the next request tries again.
 * - Google refusing the credentials (HTTP 400/401/403 from token_uri) -> 401, not retryable;
 *   token_uri unreachable, timing out, rate limiting or failing (429/5xx) -> 503, retryable.
 * - Messages never contain the key, the signed assertion or a token.
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
import { createPrivateKey } from "node:crypto";
import { SignJWT, importPKCS8 } from "jose";
import { GatewayError, parseRetryAfter } from "../../http/errors.ts";
import { redactGoogleSecrets } from "../gemini/map-error.ts";
import { isRecord, readCount } from "../gemini/gemini-api.ts";
import type { AdapterIO, RequestAuthorizer, ResolvedDeployment, UpstreamRequest } from "../types.ts";

export const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
export const jwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const defaultTokenUri = "https://oauth2.googleapis.com/token";

/** How long a signed assertion is valid (Google's maximum). */
const assertionLifetimeSeconds = 3600;
/** A token is renewed this long before it expires (or at half its lifetime, if shorter). */
const refreshMarginMs = 5 * 60 * 1000;
/** How long gw waits for token_uri. */
const exchangeTimeoutMs = 30_000;

export interface ServiceAccount {
  clientEmail: string;
  /** PKCS#8 PEM (a PKCS#1 key is converted when read). */
  privateKey: string;
  privateKeyId: string | undefined;
  tokenUri: string;
  projectId: string | undefined;
}

function configError(deploymentId: string, problem: string): GatewayError {
  return new GatewayError({
    status: 401,
    type: "authentication_error",
    code: "invalid_service_account",
    retryable: false,
    message: `Deployment "${deploymentId}" (vertex): ${problem} Give it the service-account key JSON that Google issued (credentials: env("GOOGLE_SERVICE_ACCOUNT_JSON")).`,
  });
}

/** `project_id` of a service-account JSON, or undefined (never throws). */
export function readServiceAccountProject(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && typeof value.project_id === "string" && value.project_id.length > 0 ? value.project_id : undefined;
  } catch {
    return undefined;
  }
}

/** Read and check a service-account JSON; throws a GatewayError that names the problem, never the key. */
export function parseServiceAccount(text: string | undefined, deploymentId: string): ServiceAccount {
  if (text === undefined || text.trim() === "") throw configError(deploymentId, "no service-account credentials are configured.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw configError(deploymentId, "the service-account credentials are not valid JSON.");
  }
  if (!isRecord(value)) throw configError(deploymentId, "the service-account credentials are not a JSON object.");
  if (value.type !== undefined && value.type !== "service_account") {
    throw configError(deploymentId, `the credentials are of type "${String(value.type)}", not "service_account".`);
  }
  if (typeof value.client_email !== "string" || value.client_email === "") throw configError(deploymentId, "the service-account JSON has no client_email.");
  if (typeof value.private_key !== "string" || value.private_key === "") throw configError(deploymentId, "the service-account JSON has no private_key.");
  let privateKey: string;
  try {
    const key = createPrivateKey(value.private_key);
    if (key.asymmetricKeyType !== "rsa") throw configError(deploymentId, "the service-account private_key is not an RSA key.");
    privateKey = key.export({ type: "pkcs8", format: "pem" }).toString();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw configError(deploymentId, "the service-account private_key is not a readable PEM private key.");
  }
  const tokenUri = typeof value.token_uri === "string" && value.token_uri !== "" ? value.token_uri : defaultTokenUri;
  if (!/^https?:\/\//.test(tokenUri)) throw configError(deploymentId, "the service-account token_uri is not an http(s) URL.");
  return {
    clientEmail: value.client_email,
    privateKey,
    privateKeyId: typeof value.private_key_id === "string" && value.private_key_id !== "" ? value.private_key_id : undefined,
    tokenUri,
    projectId: typeof value.project_id === "string" && value.project_id !== "" ? value.project_id : undefined,
  };
}

interface CachedToken {
  accessToken: string;
  /** Unix ms after which the token is renewed. */
  refreshAt: number;
}

/** Wait for `promise`, giving up (with the signal's reason) when `signal` aborts; the promise itself goes on. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

function unavailable(deploymentId: string, detail: string, retryAfterMs?: number, cause?: unknown): GatewayError {
  return new GatewayError({
    status: 503,
    type: "upstream_error",
    code: "upstream_auth_unavailable",
    retryable: true,
    retryAfterMs,
    cause,
    message: `gw could not get a Google access token for deployment "${deploymentId}" (vertex): ${detail}. Retry later.`,
  });
}

function describeNetworkError(error: unknown): string {
  const cause = isRecord(error) ? error.cause : undefined;
  const code = (isRecord(error) ? error.code : undefined) ?? (isRecord(cause) ? cause.code : undefined);
  if (typeof code === "string" && /^[A-Za-z_]+$/.test(code)) return code;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timed out";
  return "connection failed";
}

function readOAuthError(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) {
      const code = typeof body.error === "string" ? body.error : isRecord(body.error) && typeof body.error.status === "string" ? body.error.status : "";
      const description =
        typeof body.error_description === "string" ? body.error_description : isRecord(body.error) && typeof body.error.message === "string" ? body.error.message : "";
      const joined = [code, description].filter((part) => part !== "").join(": ");
      if (joined !== "") return redactGoogleSecrets(joined.slice(0, 300));
    }
  } catch {
    // Not JSON: no explanation to give.
  }
  return "no explanation given";
}

export interface ServiceAccountAuthorizer extends RequestAuthorizer {
  /** A valid access token (cached, or freshly exchanged). */
  accessToken(signal: AbortSignal): Promise<string>;
}

export function createServiceAccountAuthorizer(deployment: ResolvedDeployment, io: AdapterIO): ServiceAccountAuthorizer {
  const account = parseServiceAccount(deployment.secrets.serviceAccount, deployment.id);
  let signingKey: Promise<CryptoKey> | undefined;
  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;

  async function signAssertion(): Promise<string> {
    signingKey ??= importPKCS8(account.privateKey, "RS256");
    const issuedAt = Math.floor(io.now() / 1000);
    return new SignJWT({ scope: cloudPlatformScope })
      .setProtectedHeader(account.privateKeyId ? { alg: "RS256", typ: "JWT", kid: account.privateKeyId } : { alg: "RS256", typ: "JWT" })
      .setIssuer(account.clientEmail)
      .setSubject(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + assertionLifetimeSeconds)
      .sign(await signingKey);
  }

  async function exchange(): Promise<CachedToken> {
    const startedAt = io.now();
    let assertion: string;
    try {
      assertion = await signAssertion();
    } catch {
      throw configError(deployment.id, "gw could not sign a token request with the service-account private_key.");
    }
    let response: Response;
    let text: string;
    try {
      response = await io.fetch(account.tokenUri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ grant_type: jwtBearerGrantType, assertion }).toString(),
        signal: AbortSignal.timeout(exchangeTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw unavailable(deployment.id, `the token endpoint could not be reached (${describeNetworkError(error)})`, undefined, error);
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new GatewayError({
        status: 401,
        type: "authentication_error",
        code: "upstream_authentication_failed",
        retryable: false,
        message:
          `Google refused the service-account credentials of deployment "${deployment.id}" (vertex) when gw asked for an access token ` +
          `(HTTP ${response.status}, ${readOAuthError(text)}). Check the service-account key (client_email, private_key, token_uri) and that it was not deleted or disabled.`,
      });
    }
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw unavailable(deployment.id, `the token endpoint answered HTTP ${response.status} (${readOAuthError(text)})`, retryAfterMs);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!isRecord(body) || typeof body.access_token !== "string" || body.access_token === "") {
      throw unavailable(deployment.id, "the token endpoint answered without an access_token");
    }
    const lifetimeMs = (readCount(body.expires_in) || assertionLifetimeSeconds) * 1000;
    return { accessToken: body.access_token, refreshAt: startedAt + lifetimeMs - Math.min(refreshMarginMs, lifetimeMs / 2) };
  }

  async function accessToken(signal: AbortSignal): Promise<string> {
    if (cached !== undefined && io.now() < cached.refreshAt) return cached.accessToken;
    if (inflight === undefined) {
      const started = exchange();
      inflight = started;
      started.then(
        (token) => {
          cached = token;
          if (inflight === started) inflight = undefined;
        },
        () => {
          if (inflight === started) inflight = undefined;
        },
      );
    }
    return (await waitFor(inflight, signal)).accessToken;
  }

  return {
    accessToken,
    async authorize(request: UpstreamRequest, signal: AbortSignal): Promise<void> {
      request.headers.authorization = `Bearer ${await accessToken(signal)}`;
    },
  };
}
