/**
 * The admin API as a Hono sub-app, mounted with `app.route("/", createAdminApp(deps))`:
 * LiteLLM's key, team, user and customer management endpoints (same paths, same snake_case
 * fields; differences in README.md next to this file), gw's audit log at GET /audit/list and each
 * deployment's state (healthy or cooling down, latency, error rate, limits) at GET /deployments.
 *
 * Every call first passes `authorizeAdmin` (the master key or an admin key); every change is
 * audited (actor, action, entity, before/after) before it is made. Answers are JSON; errors are
 * OpenAI's error shape. A failing governance store answers 503, retryable.
 */
import { type Context, Hono } from "hono";
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { EntityKind } from "../stores/ports.ts";
import { errorResponse, headerSafe } from "../http/respond.ts";
import { type AdminContext, type AdminContextDeps, createAdminContext } from "./admin-context.ts";
import { toAuditView } from "./audit.ts";
import { customerInfo, deleteCustomers, listCustomers, newCustomer, setCustomersBlocked, updateCustomer } from "./customer-admin.ts";
import { type AdminResult, deleteKeys, generateKey, keyInfo, listKeys, regenerateKey, setKeyBlocked, updateKey } from "./key-admin.ts";
import { defaultBodyLimits, nestsDeeperThan, readBodyText } from "../http/read-json-body.ts";
import { type Body, parseJsonObject, readQueryInteger } from "./parse-fields.ts";
import { deleteTeams, listTeams, newTeam, setTeamBlocked, teamInfo, updateTeam } from "./team-admin.ts";
import { deleteUsers, listUsers, newUser, updateUser, userInfo } from "./user-admin.ts";
import type { DeploymentEntry } from "../routing/deployment-states.ts";

export interface AdminAppDeps extends AdminContextDeps {
  /** Who may call the admin API: the caller's name for the audit log ("master", "key:<keyId>"), or the 401/403 to answer with. */
  authorizeAdmin: (headers: Headers) => { actor: string } | GatewayError;
  /** Every deployment with its state as this process sees it, for GET /deployments (routing/deployment-states.ts). */
  deployments?: () => DeploymentEntry[];
}

/** Largest request body read, in characters. */
const maxBodyLength = 1_000_000;
const entityKinds: readonly EntityKind[] = ["key", "team", "user", "customer"];

type Read = (context: AdminContext, query: URLSearchParams) => Promise<AdminResult>;
type Write = (context: AdminContext, actor: string, body: Body, request: Context) => Promise<AdminResult>;

function storeUnavailable(error: unknown, description: string): GatewayError {
  return new GatewayError({
    status: 503,
    type: "api_error",
    code: "governance_store_unavailable",
    retryAfterMs: 1000,
    message: `The governance store (${description}) did not answer (${error instanceof Error ? error.message : String(error)}). Nothing or part of the change may have been made; check GET /audit/list and retry.`,
    cause: error,
  });
}

async function readBody(request: Request): Promise<Body> {
  // The same reader as /v1/* (size cap, nesting scan before parsing), with the admin API's smaller cap.
  const text = await readBodyText(request, maxBodyLength);
  if (text instanceof GatewayError) throw text;
  if (nestsDeeperThan(text, defaultBodyLimits.maxDepth)) {
    throw invalidRequest(`The JSON body is nested deeper than ${defaultBodyLimits.maxDepth} levels of arrays and objects.`, null, "invalid_json");
  }
  return parseJsonObject(text);
}

async function listAudit(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const entity = query.get("entity");
  if (entity !== null && !entityKinds.includes(entity as EntityKind)) {
    throw invalidRequest(`Query parameter "entity" must be one of ${entityKinds.join(", ")}.`, "entity", "invalid_parameter");
  }
  const limit = readQueryInteger(query, "limit", 100, 1, 1000);
  const entityId = query.get("entity_id");
  const before = query.get("before");
  const entries = await context.store.listAudit({
    limit,
    ...(entity === null ? {} : { entity: entity as EntityKind }),
    ...(entityId === null || entityId === "" ? {} : { entityId }),
    ...(before === null || before === "" ? {} : { before }),
  });
  const last = entries.at(-1);
  return { body: { data: entries.map(toAuditView), next_cursor: entries.length === limit && last !== undefined ? last.id : null }, ignored: [] };
}

export function createAdminApp(deps: AdminAppDeps): Hono {
  const context = createAdminContext(deps);
  const app = new Hono();

  const answer = async (c: Context, run: (actor: string) => Promise<AdminResult>): Promise<Response> => {
    const authorized = deps.authorizeAdmin(c.req.raw.headers);
    if (authorized instanceof GatewayError) return errorResponse(authorized, {});
    let result: AdminResult;
    try {
      result = await run(authorized.actor);
    } catch (error) {
      return errorResponse(error instanceof GatewayError ? error : storeUnavailable(error, deps.store.description), {});
    }
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (result.ignored.length > 0) headers["x-gw-ignored-fields"] = headerSafe(result.ignored);
    return new Response(JSON.stringify(result.body), { status: 200, headers });
  };

  const methodNotAllowed = (allow: "GET" | "POST") => (c: Context) =>
    errorResponse(
      new GatewayError({
        status: 405,
        type: "invalid_request_error",
        code: "method_not_allowed",
        message: `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`,
      }),
      { allow },
    );

  const get = (path: string, read: Read): void => {
    app.get(path, (c) => answer(c, () => read(context, new URL(c.req.url).searchParams)));
    app.all(path, methodNotAllowed("GET"));
  };
  const post = (path: string, write: Write): void => {
    app.post(path, (c) => answer(c, async (actor) => write(context, actor, await readBody(c.req.raw), c)));
    app.all(path, methodNotAllowed("POST"));
  };

  post("/key/generate", (ctx, actor, body) => generateKey(ctx, actor, body));
  get("/key/info", keyInfo);
  post("/key/update", (ctx, actor, body) => updateKey(ctx, actor, body));
  post("/key/delete", (ctx, actor, body) => deleteKeys(ctx, actor, body));
  post("/key/regenerate", (ctx, actor, body) => regenerateKey(ctx, actor, body, null));
  post("/key/:key/regenerate", (ctx, actor, body, c) => regenerateKey(ctx, actor, body, c.req.param("key") ?? null));
  get("/key/list", listKeys);
  post("/key/block", (ctx, actor, body) => setKeyBlocked(ctx, actor, body, true));
  post("/key/unblock", (ctx, actor, body) => setKeyBlocked(ctx, actor, body, false));

  post("/team/new", (ctx, actor, body) => newTeam(ctx, actor, body));
  get("/team/info", teamInfo);
  post("/team/update", (ctx, actor, body) => updateTeam(ctx, actor, body));
  post("/team/delete", (ctx, actor, body) => deleteTeams(ctx, actor, body));
  get("/team/list", listTeams);
  post("/team/block", (ctx, actor, body) => setTeamBlocked(ctx, actor, body, true));
  post("/team/unblock", (ctx, actor, body) => setTeamBlocked(ctx, actor, body, false));

  post("/user/new", (ctx, actor, body) => newUser(ctx, actor, body));
  get("/user/info", userInfo);
  post("/user/update", (ctx, actor, body) => updateUser(ctx, actor, body));
  post("/user/delete", (ctx, actor, body) => deleteUsers(ctx, actor, body));
  get("/user/list", listUsers);

  for (const prefix of ["/customer", "/end_user"]) {
    post(`${prefix}/new`, (ctx, actor, body) => newCustomer(ctx, actor, body));
    get(`${prefix}/info`, customerInfo);
    post(`${prefix}/update`, (ctx, actor, body) => updateCustomer(ctx, actor, body));
    post(`${prefix}/delete`, (ctx, actor, body) => deleteCustomers(ctx, actor, body));
    get(`${prefix}/list`, (ctx) => listCustomers(ctx));
    post(`${prefix}/block`, (ctx, actor, body) => setCustomersBlocked(ctx, actor, body, true));
    post(`${prefix}/unblock`, (ctx, actor, body) => setCustomersBlocked(ctx, actor, body, false));
  }

  get("/audit/list", listAudit);

  const deployments = deps.deployments;
  if (deployments !== undefined) get("/deployments", async () => ({ body: { data: deployments() }, ignored: [] }));

  return app;
}
