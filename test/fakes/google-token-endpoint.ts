/**
 * A fake Google OAuth 2.0 token endpoint for service accounts (the JWT bearer flow), on
 * 127.0.0.1 with an ephemeral port, and a generator of service-account keys for it.
 *
 * It does what Google's does with an assertion: the form body must carry
 * grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and `assertion`, a JWT signed RS256
 * with the service account's private key (verified with its public key; `kid` must name the
 * key), iss = sub = client_email, aud = the token endpoint's URL, scope cloud-platform,
 * exp - iat = 3600 and iat within five minutes of now. A good assertion gets a fresh access
 * token `{access_token, expires_in, token_type: "Bearer"}`; a bad one Google's
 * `400 {"error": "invalid_grant", "error_description": ...}`.
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { listenOnLoopback } from "./listen-on-loopback.ts";

export const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

export interface ServiceAccountKey {
  /** The service-account JSON, as Google issues it, with token_uri set as asked. */
  json: string;
  clientEmail: string;
  keyId: string;
  projectId: string;
  publicKey: KeyObject;
}

/** A new RSA key pair and the service-account JSON around its private key. */
export function createServiceAccountKey(options: { tokenUri: string; projectId?: string; clientEmail?: string }): ServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const projectId = options.projectId ?? "gw-test-project";
  const clientEmail = options.clientEmail ?? `gw-test@${projectId}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString("hex");
  const json = JSON.stringify({
    type: "service_account",
    project_id: projectId,
    private_key_id: keyId,
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: clientEmail,
    client_id: "100000000000000000000",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: options.tokenUri,
  });
  return { json, clientEmail, keyId, projectId, publicKey };
}

export interface TokenExchange {
  /** The assertion's protected header and claims (when it could be decoded). */
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  /** The access token issued, or null when the exchange was refused. */
  accessToken: string | null;
  /** Why it was refused. */
  problem: string | null;
}

export interface ScriptedTokenReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeTokenEndpoint {
  /** The URL to put in the service account's `token_uri`. */
  readonly tokenUri: string;
  /** Every exchange attempted, in arrival order. */
  readonly exchanges: TokenExchange[];
  /** Whether `token` was issued by this endpoint. */
  isIssued(token: string): boolean;
  /** Answer the next requests with these replies instead (one per request). */
  failNext(replies: ScriptedTokenReply[]): void;
  /** Hold every answer until `release()` is called (to see concurrent requests wait for one exchange). */
  hold(): void;
  release(): void;
  /** Requests that have arrived and are being held. */
  held(): number;
  close(): Promise<void>;
}

export interface FakeTokenEndpointOptions {
  /** The service account the endpoint knows; set it before the first exchange. */
  account?: ServiceAccountKey;
  /** `expires_in` of issued tokens, in seconds. Default 3599 (as Google). */
  expiresInSeconds?: number;
  /** The endpoint's clock (Unix ms) for checking iat and exp. Default Date.now. */
  now?: () => number;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startFakeTokenEndpoint(options: FakeTokenEndpointOptions = {}): Promise<FakeTokenEndpoint & { setAccount(account: ServiceAccountKey): void }> {
  let account = options.account;
  const now = options.now ?? Date.now;
  const exchanges: TokenExchange[] = [];
  const issued = new Set<string>();
  const script: ScriptedTokenReply[] = [];
  let holding = false;
  let waiting: Array<() => void> = [];
  let tokenUri = "";

  function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  async function verify(form: URLSearchParams): Promise<TokenExchange> {
    const exchange: TokenExchange = { header: null, claims: null, accessToken: null, problem: null };
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      exchange.problem = `Invalid grant_type: ${form.get("grant_type") ?? ""}`;
      return exchange;
    }
    const assertion = form.get("assertion");
    if (assertion === null || account === undefined) {
      exchange.problem = "Invalid JWT Signature.";
      return exchange;
    }
    try {
      exchange.header = decodeProtectedHeader(assertion) as Record<string, unknown>;
      const { payload } = await jwtVerify(assertion, account.publicKey, {
        algorithms: ["RS256"],
        issuer: account.clientEmail,
        subject: account.clientEmail,
        audience: tokenUri,
        currentDate: new Date(now()),
      });
      exchange.claims = payload as Record<string, unknown>;
    } catch {
      exchange.problem = "Invalid JWT Signature.";
      return exchange;
    }
    const { iat, exp, scope } = exchange.claims;
    if (exchange.header.kid !== account.keyId) exchange.problem = "Invalid JWT Signature.";
    else if (scope !== cloudPlatformScope) exchange.problem = "Invalid OAuth scope or ID token audience provided.";
    else if (typeof iat !== "number" || typeof exp !== "number" || exp - iat !== 3600 || Math.abs(iat - now() / 1000) > 300) {
      exchange.problem = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
    }
    return exchange;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    if (holding) await new Promise<void>((resume) => waiting.push(resume));
    const scripted = script.shift();
    if (scripted) {
      exchanges.push({ header: null, claims: null, accessToken: null, problem: `scripted HTTP ${scripted.status}` });
      send(response, scripted.status, scripted.body ?? { error: "internal_failure", error_description: "Scripted failure." }, scripted.headers);
      return;
    }
    if (request.method !== "POST" || (request.url ?? "").split("?")[0] !== "/token") {
      send(response, 404, { error: "not_found" });
      return;
    }
    if (!(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      send(response, 400, { error: "invalid_request", error_description: "Content-Type must be application/x-www-form-urlencoded." });
      return;
    }
    const exchange = await verify(new URLSearchParams(text));
    exchanges.push(exchange);
    if (exchange.problem !== null) {
      const error = exchange.problem.startsWith("Invalid grant_type") ? "unsupported_grant_type" : "invalid_grant";
      send(response, 400, { error, error_description: exchange.problem });
      return;
    }
    const accessToken = `ya29.fake-${randomBytes(24).toString("base64url")}`;
    issued.add(accessToken);
    exchange.accessToken = accessToken;
    send(response, 200, { access_token: accessToken, expires_in: options.expiresInSeconds ?? 3599, token_type: "Bearer" });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: "internal_failure", error_description: String(error) }));
  });
  const listening = await listenOnLoopback(server);
  tokenUri = `http://127.0.0.1:${listening.port}/token`;

  return {
    tokenUri,
    exchanges,
    isIssued: (token) => issued.has(token),
    failNext: (replies) => void script.push(...replies),
    setAccount(next) {
      account = next;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      const resume = waiting;
      waiting = [];
      for (const wake of resume) wake();
    },
    held: () => waiting.length,
    close: () => listening.close(),
  };
}
