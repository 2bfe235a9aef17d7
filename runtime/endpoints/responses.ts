/**
 * POST /v1/responses, OpenAI's Responses API, on chat's one path (admission, routing, retries,
 * fallbacks, budgets, spend, logs): the request is read into the chat request it means at the edge
 * (responses-request.ts), which every decision before the call reads. Per attempt
 * (native-dialect.ts):
 * - a deployment that speaks Responses itself (OpenAI, Azure OpenAI: the adapter's `responses`)
 *   gets the client's body, and the Response or its stream events pass through as they came
 *   (built-in tools, include, background, prompt... kept);
 * - any other deployment gets the chat request, and the answer is converted back
 *   (responses-answer.ts, responses-stream.ts); a Responses-only feature is then a 400.
 *
 * Stored responses with a native deployment: gw's store resolves `previous_response_id` and
 * item references itself, so the upstream gets the items (the whole conversation in `input`, no
 * `previous_response_id`), and `store` as the client asked (OpenAI keeps its copy too unless it
 * says false: gw never changes what the client asked of the upstream). The native answer is kept
 * under its own id (what the client sees, and GET /v1/responses/{id} answers), its output items
 * with it, so later turns resolve whichever deployment answers them; gw-made reasoning items
 * (their encrypted content is gw's, which OpenAI cannot read) are left out of what goes natively.
 * Without gw's store, `previous_response_id` and item references pass natively (OpenAI's own
 * store resolves them) and are a 400 for translated deployments.
 *
 * Stored responses, where the config sets `responses: { store: true }`: a response created with
 * `store` (true unless the request says false, as on OpenAI) is kept with its conversation, for
 * `previous_response_id`, `item_reference` input items (by the output item's id, which names its
 * response) and GET / DELETE /v1/responses/{id}, readable only by the key that created it (another
 * key gets a 404, as if it did not exist). Without the store nothing is kept, the answer says
 * `store: false`, and `previous_response_id` or an item reference is a 400.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import { isRecord, type JsonRecord } from "../providers/openai/openai-api.ts";
import { encodeSseEvent } from "../upstream/stream/encode-sse.ts";
import type { Caller } from "../start/plan.ts";
import type { ResponseStore } from "../stores/ports.ts";
import type { CallerAnswer } from "./caller-json.ts";
import { type ChatAnswerConverter, chatEndpoint } from "./chat.ts";
import type { RequestDeps } from "./request-flow.ts";
import { toResponsePayload } from "./responses-answer.ts";
import { type DialectValue, withNativeDialect } from "./native-dialect.ts";
import type { PricedEndpoint } from "./priced-request.ts";
import { expectedFields, parseResponsesRequest, translateItems, turnOf } from "./responses-request.ts";
import { createResponsesStream } from "./responses-stream.ts";

/** Who may read a stored response: the calling key (by name, team and hash prefix); the master key; anyone on an open gateway. */
export function ownerOf(caller: Caller): string {
  return [caller.kind, caller.team ?? "", caller.keyName ?? "", caller.keyHashPrefix ?? ""].join(":");
}

/** "req_x_1" -> "resp_x_1": a response is named after the request that made it (its log line, x-request-id). */
function responseIdOf(requestId: string): string {
  return `resp_${requestId.startsWith("req_") ? requestId.slice("req_".length) : requestId}`;
}

function storeDisabled(param: string): GatewayError {
  return invalidRequest(
    `\`${param}\` needs stored responses, and this gateway keeps none (its config does not set \`responses: { store: true }\`). Send the whole conversation in \`input\` instead.`,
    param,
    "responses_store_disabled",
  );
}

function referencesNeedStore(): GatewayError {
  return invalidRequest(
    "`input` has item_reference items, which name stored responses' items, and this gateway keeps none (its config does not set `responses: { store: true }`). Send the items themselves (with the Vercel AI SDK: providerOptions.openai.store = false).",
    "input",
    "responses_store_disabled",
  );
}

function isReference(item: unknown): item is { type: "item_reference"; id: string } {
  return typeof item === "object" && item !== null && (item as { type?: unknown }).type === "item_reference" && typeof (item as { id?: unknown }).id === "string";
}

function previousNotFound(id: string): GatewayError {
  return invalidRequest(
    `Previous response with id ${JSON.stringify(id.slice(0, 80))} not found: it was never stored, has expired, or was created with another key.`,
    "previous_response_id",
    "previous_response_not_found",
  );
}

/** "rs_x_1_0" -> "resp_x_1": an output item gw made is named after its response (responses-answer.ts itemId). */
function responseIdOfItem(itemId: string): string | null {
  const match = /^(?:msg|fc|rs)_(.+)_\d+$/.exec(itemId);
  return match === null ? null : `resp_${match[1]}`;
}

/** The store entry that holds a native answer's output item (its id names no response): "item:<id>". */
const aliasPrefix = "item:";

/** The items `ids` name, read from the owner's stored responses; an id not found is left out (the conversion says so). */
async function readReferences(store: ResponseStore, owner: string, ids: readonly string[]): Promise<Map<string, unknown>> {
  const items = new Map<string, unknown>();
  const responses = new Map<string, readonly unknown[]>();
  for (const id of ids) {
    if (items.has(id)) continue;
    const responseId = responseIdOfItem(id) ?? aliasPrefix + id;
    let stored = responses.get(responseId);
    if (stored === undefined) {
      stored = (await store.get(responseId, owner))?.items ?? [];
      responses.set(responseId, stored);
    }
    const item = stored.find((candidate) => typeof candidate === "object" && candidate !== null && (candidate as { id?: unknown }).id === id);
    if (item !== undefined) items.set(id, item);
  }
  return items;
}

/**
 * An item gw made (a translated turn's), as sent natively: its id names nothing at OpenAI, so a
 * message goes as an input message with its text, a function call without its id, and reasoning
 * not at all (null: its encrypted content is gw's, which OpenAI cannot read). Others as stored.
 */
function toNativeItem(item: unknown): unknown {
  if (!isRecord(item) || typeof item.id !== "string" || responseIdOfItem(item.id) === null) return item;
  if (item.type === "reasoning") return null;
  if (item.type === "message" && Array.isArray(item.content)) {
    const text = item.content.map((part) => (isRecord(part) ? (typeof part.text === "string" ? part.text : typeof part.refusal === "string" ? part.refusal : "") : "")).join("");
    return { type: "message", role: item.role, content: text };
  }
  const { id: _id, ...rest } = item;
  return rest;
}

/** The conversation a native deployment gets instead of `previous_response_id` and item references. */
function nativeBodyWithItems(body: Readonly<JsonRecord>, items: readonly unknown[]): JsonRecord {
  return { ...body, previous_response_id: undefined, input: items.map(toNativeItem).filter((item) => item !== null) };
}

/** Keep a response under its own id, and each output item gw did not name under an alias, for item references. */
function saveResponse(store: ResponseStore, owner: string, storedAt: number, items: unknown[], output: readonly unknown[], response: Record<string, unknown>): Promise<unknown> {
  const id = String(response.id);
  const saves: Array<Promise<void>> = [store.save({ id, owner, response, items, storedAt })];
  for (const item of output) {
    if (!isRecord(item) || typeof item.id !== "string" || responseIdOfItem(item.id) !== null) continue;
    saves.push(store.save({ id: aliasPrefix + item.id, owner, response: { id }, items: [item], storedAt }));
  }
  return Promise.all(saves);
}

/** The turn's id and time, its owner's store, and the previous response's conversation (and referenced items) in its input. */
async function prepareTurn(deps: RequestDeps, store: ResponseStore | null, chat: ChatCompletionRequest, caller: Caller, requestId: string): Promise<ChatCompletionRequest | GatewayError> {
  const turn = turnOf(chat);
  turn.id = responseIdOf(requestId);
  turn.createdAt = Math.floor(deps.clock.now() / 1000);
  const previousId = turn.echo.previousResponseId;
  const native = turn.native;
  if (store === null) {
    // OpenAI's own store resolves them natively; a translated deployment cannot.
    if (previousId !== null) native.untranslatable ??= storeDisabled("previous_response_id");
    if (turn.references.length > 0) native.untranslatable ??= referencesNeedStore();
    return chat;
  }
  const owner = ownerOf(caller);
  let history: unknown[] = [];
  if (previousId !== null) {
    const previous = await store.get(previousId, owner);
    if (previous === null) return previousNotFound(previousId);
    history = previous.items;
  }
  if (previousId !== null || turn.references.length > 0) {
    const references = await readReferences(store, owner, turn.references);
    // Items stored were read once already; converted together with the new input, so a
    // function_call_output answers the stored function_call as one conversation. The previous
    // response's instructions are not carried over (OpenAI's rule): this request's go first.
    const problem = { problem: native.untranslatable };
    try {
      chat.messages = [...turn.instructions, ...translateItems([...history, ...turn.input], "input", problem, references)];
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    native.untranslatable = problem.problem;
    // The stored conversation holds the items themselves, never references to them.
    turn.input = turn.input.map((item) => (isReference(item) ? (references.get(item.id) ?? item) : item));
    native.body = nativeBodyWithItems(native.body, [...history, ...turn.input]);
  }
  if (turn.echo.store) {
    turn.save = (output, response) => {
      saveResponse(store, owner, deps.clock.now(), [...history, ...turn.input, ...output], output, response).catch((error: unknown) => {
        deps.logger.warn(`${requestId}: the response could not be stored (${error instanceof Error ? error.message : String(error)}); previous_response_id ${String(response.id)} will not be found`);
      });
    };
  }
  return chat;
}

/** A store that failed (an unreachable database) is a 503 the client may retry, never an unanswered request. */
function storeUnavailable(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError({
    status: 503,
    type: "api_error",
    code: "responses_store_unavailable",
    message: "The stored responses cannot be read right now; retry, or send the whole conversation in `input`.",
    retryable: true,
  });
}

/**
 * A native Response kept by gw's store, when the turn is kept (its output items with it). Only a
 * finished one: a background response still queued or in progress would be kept stale (gw does not
 * proxy OpenAI's GET to poll it).
 */
function saveNative(turn: ReturnType<typeof turnOf>, payload: unknown): void {
  if (turn.save === null || !isRecord(payload) || typeof payload.id !== "string") return;
  if (payload.status !== "completed" && payload.status !== "incomplete") return;
  turn.save(Array.isArray(payload.output) ? payload.output : [], payload);
}

/** A native stream's final response (response.completed / response.incomplete) kept by gw's store; null when the turn is not kept. */
function nativeStreamObserver(turn: ReturnType<typeof turnOf>): ((event: { event: string | undefined; data: string }) => void) | null {
  if (turn.save === null) return null;
  return (event) => {
    if (event.event !== "response.completed" && event.event !== "response.incomplete") return;
    try {
      const parsed: unknown = JSON.parse(event.data);
      if (isRecord(parsed)) saveNative(turn, parsed.response);
    } catch {
      // An unreadable final event is the stream converter's 502 already.
    }
  };
}

/** OpenAI's in-stream `error` event (after a native stream's `relayed` events): the documented fields, and the nested `error` the SDKs raise. */
function responsesErrorEvent(error: GatewayError, relayed: number): Uint8Array {
  const body = error.toJSON().error;
  return encodeSseEvent("error", { type: "error", code: body.code ?? body.type, message: body.message, param: body.param, sequence_number: relayed, error: body });
}

/** The Responses API as a priced endpoint: chat's, with the Responses converters at the edge, passed natively where the deployment speaks it. */
export function responsesEndpoint(deps: RequestDeps, store: ResponseStore | null): PricedEndpoint<ChatCompletionRequest, DialectValue> {
  const nowSeconds = (): number => Math.floor(deps.clock.now() / 1000);
  const answer: ChatAnswerConverter = {
    toPayload: (completion, chat) => toResponsePayload(turnOf(chat), completion, nowSeconds()),
    streamEncoder: (chat) => createResponsesStream(turnOf(chat), nowSeconds),
  };
  const chat = {
    ...chatEndpoint(deps, answer),
    parse: parseResponsesRequest,
    expected: expectedFields,
    prepare: (body: ChatCompletionRequest, caller: Caller, requestId: string) =>
      prepareTurn(deps, store, body, caller, requestId).catch((error: unknown) => {
        deps.logger.warn(`${requestId}: the response store failed (${error instanceof Error ? error.message : String(error)})`);
        return storeUnavailable(error);
      }),
  };
  return withNativeDialect(deps, chat, {
    adapterOf: (adapter) => adapter.responses,
    kept: (body) => turnOf(body).native,
    errorEvent: responsesErrorEvent,
    answered: (payload, body) => saveNative(turnOf(body), payload),
    observer: (body) => nativeStreamObserver(turnOf(body)),
  });
}

function responseNotFound(id: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: "invalid_request_error",
    code: "not_found",
    param: "response_id",
    message: `No response found with id ${JSON.stringify(id.slice(0, 80))}: it was never stored, has expired, or was created with another key.`,
  });
}

/** GET and DELETE /v1/responses/{id}: the caller's own stored response. */
export function createStoredResponseAnswers(store: ResponseStore | null): { retrieve: CallerAnswer; remove: CallerAnswer } {
  const idOf = (c: Parameters<CallerAnswer>[1]): string => c.req.param("id") ?? "";
  if (store === null) {
    const disabled: CallerAnswer = (_caller, c) =>
      new GatewayError({
        status: 404,
        type: "invalid_request_error",
        code: "not_found",
        param: "response_id",
        message: `No response found with id ${JSON.stringify(idOf(c).slice(0, 80))}: this gateway keeps no responses (its config does not set \`responses: { store: true }\`).`,
      });
    return { retrieve: disabled, remove: disabled };
  }
  return {
    retrieve(caller, c) {
      const id = idOf(c);
      // An alias entry (a native output item's) is no response.
      if (id.startsWith(aliasPrefix)) return responseNotFound(id);
      return store.get(id, ownerOf(caller)).then((stored) => (stored === null ? responseNotFound(id) : JSON.stringify(stored.response)), storeUnavailable);
    },
    remove(caller, c) {
      const id = idOf(c);
      if (id.startsWith(aliasPrefix)) return responseNotFound(id);
      return store.delete(id, ownerOf(caller)).then((deleted) => (deleted ? JSON.stringify({ id, object: "response", deleted: true }) : responseNotFound(id)), storeUnavailable);
    },
  };
}
