/**
 * POST /v1/responses, OpenAI's Responses API, mapped onto chat as completions.ts maps legacy
 * completions: the request becomes a chat request at the edge (responses-request.ts), takes
 * chat's whole path (admission, routing, retries, fallbacks, budgets, spend, logs), and only the
 * answer is converted back (responses-answer.ts, responses-stream.ts).
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
import type { Caller } from "../start/plan.ts";
import type { ResponseStore } from "../stores/ports.ts";
import type { CallerAnswer } from "./caller-json.ts";
import { type ChatAnswerConverter, chatEndpoint } from "./chat.ts";
import type { RequestDeps } from "./request-flow.ts";
import { toResponsePayload } from "./responses-answer.ts";
import { convertInputItems } from "./responses-input.ts";
import { expectedFields, parseResponsesRequest, turnOf } from "./responses-request.ts";
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

/** "rs_x_1_0" -> "resp_x_1": an output item is named after its response (responses-answer.ts itemId). */
function responseIdOfItem(itemId: string): string | null {
  const match = /^(?:msg|fc|rs)_(.+)_\d+$/.exec(itemId);
  return match === null ? null : `resp_${match[1]}`;
}

/** The items `ids` name, read from the owner's stored responses; an id gw never made, or not found, is left out (the conversion says so). */
async function readReferences(store: ResponseStore, owner: string, ids: readonly string[]): Promise<Map<string, unknown>> {
  const items = new Map<string, unknown>();
  const responses = new Map<string, readonly unknown[]>();
  for (const id of ids) {
    const responseId = responseIdOfItem(id);
    if (responseId === null || items.has(id)) continue;
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

/** The turn's id and time, its owner's store, and the previous response's conversation (and referenced items) in its input. */
async function prepareTurn(deps: RequestDeps, store: ResponseStore | null, chat: ChatCompletionRequest, caller: Caller, requestId: string): Promise<ChatCompletionRequest | GatewayError> {
  const turn = turnOf(chat);
  turn.id = responseIdOf(requestId);
  turn.createdAt = Math.floor(deps.clock.now() / 1000);
  const previousId = turn.echo.previousResponseId;
  if (store === null) {
    if (previousId !== null) return storeDisabled("previous_response_id");
    if (turn.references.length > 0) return referencesNeedStore();
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
    try {
      chat.messages = [...turn.instructions, ...convertInputItems([...history, ...turn.input], "input", references)];
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    // The stored conversation holds the items themselves, never references to them.
    turn.input = turn.input.map((item) => (isReference(item) ? (references.get(item.id) ?? item) : item));
  }
  if (turn.echo.store) {
    turn.save = (output, response) => {
      store.save({ id: turn.id, owner, response, items: [...history, ...turn.input, ...output], storedAt: deps.clock.now() }).catch((error: unknown) => {
        deps.logger.warn(`${requestId}: the response could not be stored (${error instanceof Error ? error.message : String(error)}); previous_response_id ${turn.id} will not be found`);
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

/** The Responses API as a priced endpoint: chat's, with the Responses converters at the edge. */
export function responsesEndpoint(deps: RequestDeps, store: ResponseStore | null): ReturnType<typeof chatEndpoint> {
  const nowSeconds = (): number => Math.floor(deps.clock.now() / 1000);
  const answer: ChatAnswerConverter = {
    toPayload: (completion, chat) => toResponsePayload(turnOf(chat), completion, nowSeconds()),
    streamEncoder: (chat) => createResponsesStream(turnOf(chat), nowSeconds),
  };
  return {
    ...chatEndpoint(deps, answer),
    parse: parseResponsesRequest,
    expected: expectedFields,
    prepare: (chat, caller, requestId) =>
      prepareTurn(deps, store, chat, caller, requestId).catch((error: unknown) => {
        deps.logger.warn(`${requestId}: the response store failed (${error instanceof Error ? error.message : String(error)})`);
        return storeUnavailable(error);
      }),
  };
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
    retrieve: (caller, c) =>
      store.get(idOf(c), ownerOf(caller)).then((stored) => (stored === null ? responseNotFound(idOf(c)) : JSON.stringify(stored.response)), storeUnavailable),
    remove(caller, c) {
      const id = idOf(c);
      return store.delete(id, ownerOf(caller)).then((deleted) => (deleted ? JSON.stringify({ id, object: "response", deleted: true }) : responseNotFound(id)), storeUnavailable);
    },
  };
}
