/**
 * Reading admin request bodies (untrusted JSON) into domain fields. Every problem is a 400 in
 * OpenAI's error shape naming the field (`param`). Like LiteLLM (pydantic), numbers may arrive
 * as numeric strings and booleans as "true"/"false"; `null` clears a field on update.
 *
 * Unknown fields are refused (a typo in `max_budget` must not silently drop a budget). LiteLLM
 * fields gw has no use for are accepted and reported in `x-gw-ignored-fields`; LiteLLM fields
 * that carry a limit or routing rule gw does not enforce are refused unless sent empty.
 */
import { invalidRequest } from "../http/errors.ts";
import { budgetDurationHelp, parseBudgetDuration } from "../budgets/budget-period.ts";
import type { BudgetSettings, LimitSettings } from "../stores/ports.ts";

export type Body = Record<string, unknown>;

export interface FieldRules {
  /** Fields gw reads. */
  read: readonly string[];
  /** LiteLLM fields accepted and ignored (reported back in `x-gw-ignored-fields`). */
  ignored: readonly string[];
  /** LiteLLM fields gw cannot enforce: refused unless empty (null, "", 0, false, [] or {}). */
  unsupported: readonly string[];
}

const maxIdLength = 256;
const maxListLength = 1000;
/** Serialized size of `metadata`. */
const maxMetadataBytes = 64 * 1024;

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

/** Checks the body's field names against `rules`; returns the ignored fields present. */
export function checkFields(body: Body, rules: FieldRules): string[] {
  const ignored: string[] = [];
  for (const name of Object.keys(body)) {
    if (rules.read.includes(name)) continue;
    if (rules.ignored.includes(name)) {
      ignored.push(name);
      continue;
    }
    if (rules.unsupported.includes(name)) {
      if (isEmptyValue(body[name])) {
        ignored.push(name);
        continue;
      }
      throw invalidRequest(
        `"${name}" is a LiteLLM setting that gw does not enforce, so it cannot be set here; remove it or send it empty. ` +
          "runtime/admin/README.md lists what gw supports.",
        name,
        "unsupported_parameter",
      );
    }
    throw invalidRequest(`Unknown field "${name}". This endpoint reads: ${rules.read.join(", ")}.`, name, "unknown_parameter");
  }
  return ignored;
}

export function parseJsonObject(text: string): Body {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest("The request body is not valid JSON. Send a JSON object with `Content-Type: application/json`.", null, "invalid_json");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("The request body must be a JSON object.", null, "invalid_json");
  }
  return value as Body;
}

const invalid = (name: string, expected: string) => invalidRequest(`"${name}" must be ${expected}.`, name, "invalid_parameter");

/** An id or name: 1-256 characters without control characters. */
export function checkIdentifier(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxIdLength || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(name, `a non-empty string of at most ${maxIdLength} characters without control characters`);
  }
  return value;
}

/** undefined when absent, null when null, else the identifier. */
export function readIdentifier(body: Body, name: string): string | null | undefined {
  const value = body[name];
  if (value === undefined || value === null) return value;
  return checkIdentifier(value, name);
}

export function readRequiredIdentifier(body: Body, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw invalidRequest(`"${name}" is required.`, name, "missing_parameter");
  return checkIdentifier(value, name);
}

function toNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** A USD amount: >= 0. LiteLLM sends "" for "no budget". */
export function readUsd(body: Body, name: string): number | null | undefined {
  const value = body[name];
  if (value === undefined || value === null) return value;
  if (value === "") return null;
  const parsed = toNumber(value);
  if (parsed === null || parsed < 0) throw invalid(name, "a number of US dollars, 0 or more, or null");
  return parsed;
}

/** A count limit: a whole number >= 0. */
export function readCount(body: Body, name: string): number | null | undefined {
  const value = body[name];
  if (value === undefined || value === null) return value;
  const parsed = toNumber(value);
  if (parsed === null || parsed < 0 || !Number.isSafeInteger(parsed)) throw invalid(name, "a whole number, 0 or more, or null");
  return parsed;
}

export function readBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw invalid(name, "true or false");
}

/** A list of identifiers; null reads as an empty list. */
export function readIdentifierList(body: Body, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (!Array.isArray(value) || value.length > maxListLength) throw invalid(name, `a list of at most ${maxListLength} strings`);
  return [...new Set(value.map((item, index) => checkIdentifier(item, `${name}[${index}]`)))];
}

/** A JSON object; null reads as an empty object. */
export function readObject(body: Body, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(name, "a JSON object");
  if (JSON.stringify(value).length > maxMetadataBytes) throw invalid(name, `a JSON object of at most ${maxMetadataBytes / 1024} KB`);
  return value as Record<string, unknown>;
}

export function readBudgetDuration(body: Body, name: string): string | null | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null || value === "") return null;
  if (typeof value !== "string" || parseBudgetDuration(value) === null) throw invalid(name, budgetDurationHelp);
  return value.trim();
}

/** Fields every managed entity has: budgets, limits, models and metadata. */
export type CommonFields = Partial<BudgetSettings & LimitSettings & { models: string[]; metadata: Record<string, unknown> }>;

export const commonFieldNames = [
  "models",
  "metadata",
  "max_budget",
  "soft_budget",
  "budget_duration",
  "rpm_limit",
  "tpm_limit",
  "max_parallel_requests",
] as const;

/** LiteLLM's `models` entry for "every model the key's team may use" (keys only). */
const allTeamModels = "all-team-models";
/** LiteLLM's `models` entries for "every model of the gateway". */
const allProxyModels = ["all-proxy-models", "*"];

/**
 * `models`, with LiteLLM's special entries read as gw's one way to say them: an empty list (for a
 * key, the team's models, or every model without a team; for the others, every model). LiteLLM
 * lets a special entry override the names beside it; so does gw. `all-team-models` means nothing
 * on a team, user or customer and is refused there.
 */
function readModels(body: Body, owner: "key" | "other"): string[] | undefined {
  const models = readIdentifierList(body, "models");
  if (models === undefined) return undefined;
  if (owner === "other" && models.includes(allTeamModels)) {
    throw invalidRequest(`"${allTeamModels}" is for keys (every model of the key's team); here send the model names, or [] for every model.`, "models", "invalid_parameter");
  }
  return models.some((model) => model === allTeamModels || allProxyModels.includes(model)) ? [] : models;
}

/** Only the fields present in the body; undefined ones are left out so they do not overwrite. */
export function readCommonFields(body: Body, owner: "key" | "other" = "other"): CommonFields {
  const fields: CommonFields = {
    models: readModels(body, owner),
    metadata: readObject(body, "metadata"),
    maxBudget: readUsd(body, "max_budget"),
    softBudget: readUsd(body, "soft_budget"),
    budgetDuration: readBudgetDuration(body, "budget_duration"),
    rpmLimit: readCount(body, "rpm_limit"),
    tpmLimit: readCount(body, "tpm_limit"),
    maxParallelRequests: readCount(body, "max_parallel_requests"),
  };
  return definedOnly(fields);
}

/** A copy of `fields` without the undefined ones. */
export function definedOnly<T extends object>(fields: T): T {
  const result = {} as T;
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) (result as Record<string, unknown>)[name] = value;
  return result;
}

/** Query parameter as a whole number in [min, max], or `fallback` when absent. */
export function readQueryInteger(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const value = query.get(name);
  if (value === null || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw invalidRequest(`Query parameter "${name}" must be a whole number from ${min} to ${max}.`, name, "invalid_parameter");
  }
  return parsed;
}

/** Whether `model` is allowed by a model list: empty allows all; "prefix/*" allows every model under the prefix. */
export function isModelInList(list: readonly string[], model: string): boolean {
  if (list.length === 0) return true;
  for (const allowed of list) {
    if (allowed === model) return true;
    if (allowed.endsWith("*") && model.startsWith(allowed.slice(0, -1))) return true;
  }
  return false;
}
