import { createDiagnostic, formatPath, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import { findFallbackCycles } from "./fallbacks.ts";
import { setEntry } from "./hash.ts";
import { asArray, asObject, asString, checkSecret, definedName, type Json, type SemanticContext } from "./semantic-context.ts";
import { didYouMean } from "./suggest.ts";
import { checkDeployment, deploymentLabel } from "./validate-deployment.ts";
import { isUnderInvalidPath } from "./validate-schema.ts";
import { checkKeys } from "./validate-keys.ts";
import { checkRouting } from "./validate-routing.ts";
import { isWildcardName, matchingWildcards, parseModelName } from "../contract/wildcard.ts";

/**
 * Step 2 of validation: what a JSON Schema cannot say (references, uniqueness, cycles,
 * wildcards, provider strings and options, prices, secrets, routing). Runs on a config that may be
 * only partly schema-valid: every value is read through a type guard, and anything at or
 * under a path that failed the schema is skipped, so one mistake is reported once.
 */

export function validateSemantics(config: unknown, context: SemanticContext): PendingDiagnostic[] {
  const root = asObject(config);
  if (root === undefined) return [];
  const valid = (path: JsonPath): boolean => !isUnderInvalidPath(path, context.invalidPaths);
  const diagnostics: PendingDiagnostic[] = [];
  const modelNames = checkModels(root, valid, context, diagnostics);
  checkRouting(root, valid, diagnostics);
  for (const section of fallbackSections) checkFallbacks(root, section, modelNames, valid, diagnostics);
  checkAliases(root, modelNames, valid, diagnostics);
  checkServices(root, valid, context, diagnostics);
  const teamNames = checkTeams(root, modelNames, valid, diagnostics);
  checkKeys(root, teamNames, valid, context, diagnostics);
  return diagnostics;
}

/** Model names defined in the config (valid strings, first definition wins), checked for duplicates. */
function checkModels(
  root: Json,
  valid: (path: JsonPath) => boolean,
  context: SemanticContext,
  diagnostics: PendingDiagnostic[],
): Map<string, number> {
  const modelNames = new Map<string, number>();
  const deploymentIds = new Map<string, { path: JsonPath; explicit: boolean }>();
  asArray(root["models"]).forEach((modelValue, modelIndex) => {
    const model = asObject(modelValue);
    const modelPath: JsonPath = ["models", modelIndex];
    if (model === undefined) return;
    // A model whose other parts are invalid still defines its name, so references to it are not reported too.
    const name = definedName(model["name"]);
    const nameKind = name === undefined || !valid([...modelPath, "name"]) ? undefined : parseModelName(name).kind;
    if (nameKind === "invalid") {
      diagnostics.push(
        createDiagnostic(
          "invalidWildcard",
          [...modelPath, "name"],
          `Model name "${name}" has a "*" that is not a trailing "/*". A wildcard model is "<prefix>/*" (such as ` +
            `"anthropic/*"): clients may then call any "<prefix>/<model>". Use that form, or remove the "*".`,
        ),
      );
    }
    if (name !== undefined) {
      const first = modelNames.get(name);
      if (first === undefined) modelNames.set(name, modelIndex);
      else {
        diagnostics.push(
          createDiagnostic(
            "duplicateModel",
            [...modelPath, "name"],
            `Model "${name}" is defined twice (models[${first}] and models[${modelIndex}]). ` +
              `Model names must be unique: rename one, or merge their deployments into one model.`,
          ),
        );
      }
    }

    const deploymentsPath: JsonPath = [...modelPath, "deployments"];
    const deployments = asArray(model["deployments"]);
    let totalWeight = 0;
    let weightsKnown = valid(deploymentsPath) && deployments.length > 0;
    deployments.forEach((deploymentValue, deploymentIndex) => {
      const deployment = asObject(deploymentValue);
      const path: JsonPath = [...deploymentsPath, deploymentIndex];
      if (deployment === undefined || !valid(path)) {
        weightsKnown = false;
        return;
      }
      const weight = deployment["weight"] ?? 1;
      if (typeof weight === "number" && valid([...path, "weight"])) totalWeight += weight;
      else weightsKnown = false;

      const explicitName = valid([...path, "name"]) ? asString(deployment["name"]) : undefined;
      const id = explicitName ?? (name === undefined ? undefined : `${name}/${deploymentIndex}`);
      if (id !== undefined) checkDeploymentId(id, explicitName !== undefined, path, deploymentIds, diagnostics);

      checkDeployment(deployment, {
        path,
        label: deploymentLabel(id, path),
        wildcard: nameKind === undefined || nameKind === "invalid" ? undefined : nameKind === "wildcard",
        valid,
        context,
        diagnostics,
      });
    });
    if (weightsKnown && totalWeight === 0) {
      diagnostics.push(
        createDiagnostic(
          "zeroTotalWeight",
          deploymentsPath,
          `Model "${name ?? `models[${modelIndex}]`}" has a total weight of 0, so no deployment can ever be picked. ` +
            `Give at least one of its deployments a weight above 0 (the default weight is 1).`,
        ),
      );
    }
  });
  return modelNames;
}

function checkDeploymentId(
  id: string,
  explicit: boolean,
  path: JsonPath,
  deploymentIds: Map<string, { path: JsonPath; explicit: boolean }>,
  diagnostics: PendingDiagnostic[],
): void {
  const first = deploymentIds.get(id);
  if (first === undefined) {
    deploymentIds.set(id, { path, explicit });
    return;
  }
  // Two default ids only clash when their model names do, which GW1205 already reports.
  if (!explicit && !first.explicit) return;
  const message =
    explicit && first.explicit
      ? `Deployment name "${id}" is used twice (${formatPath(first.path)} and ${formatPath(path)}). ` +
        `Deployment names must be unique across the config: rename one of them.`
      : `Deployment name "${id}" clashes with the default name of ${formatPath(explicit ? first.path : path)} ` +
        `(deployments without a name are called <model-name>/<index>). Choose another name.`;
  diagnostics.push(createDiagnostic("duplicateDeployment", explicit ? [...path, "name"] : [...first.path, "name"], message));
}

/** The config's fallback maps, each checked the same way; a model may name itself only in `fallbacks` ("try its other deployments"). */
const fallbackSections = ["fallbacks", "contextWindowFallbacks", "contentPolicyFallbacks"] as const;
type FallbackSection = (typeof fallbackSections)[number];

function checkFallbacks(
  root: Json,
  section: FallbackSection,
  modelNames: Map<string, number>,
  valid: (path: JsonPath) => boolean,
  diagnostics: PendingDiagnostic[],
): void {
  const fallbacks = asObject(root[section]);
  if (fallbacks === undefined || !valid([section])) return;
  const graph: Record<string, string[]> = {};
  const known = [...modelNames.keys()];
  for (const [from, targets] of Object.entries(fallbacks)) {
    const fromPath: JsonPath = [section, from];
    if (!valid(fromPath)) continue;
    const fromKnown = modelNames.has(from);
    if (!fromKnown) {
      diagnostics.push(
        createDiagnostic(
          "fallbackUnknownModel",
          fromPath,
          `${section} has a chain for "${from}", which is not a model in this config.${didYouMean(from, known)} ` +
            `Define the model in models, or remove this chain. Models: ${known.join(", ") || "(none)"}.`,
        ),
      );
    }
    const edges: string[] = [];
    asArray(targets).forEach((target, index) => {
      if (typeof target !== "string" || !valid([...fromPath, index])) return;
      if (!modelNames.has(target)) {
        diagnostics.push(
          createDiagnostic(
            "fallbackUnknownModel",
            [...fromPath, index],
            `${formatPath([...fromPath, index])} falls back to "${target}", which is not a model in this config.` +
              `${wildcardHint(target, known) || didYouMean(target, known)} Define it in models, or remove it from the chain.`,
          ),
        );
      } else if (isWildcardName(target)) {
        diagnostics.push(
          createDiagnostic(
            "fallbackToWildcard",
            [...fromPath, index],
            `${formatPath([...fromPath, index])} falls back to the wildcard model "${target}", which serves only the ` +
              `models a client names under it, so it cannot take over another model's requests. Fall back to an exact ` +
              `model instead (define one, e.g. "${target.slice(0, -1)}<model>", if needed).`,
          ),
        );
      } else if (target === from && section === "fallbacks") {
        // LiteLLM's `{"m": ["m"]}`: try the model's other deployments (compile.ts sameModelFallback), not a cycle.
      } else edges.push(target);
    });
    if (fromKnown) setEntry(graph, from, edges);
  }
  for (const cycle of findFallbackCycles(graph)) {
    const [first, second] = cycle.models as [string, string];
    const index = asArray(Object.hasOwn(fallbacks, first) ? fallbacks[first] : undefined).indexOf(second);
    const message =
      cycle.models.length === 2
        ? `Fallback cycle: ${first} -> ${first} in ${section}. A model cannot be its own ${section === "contextWindowFallbacks" ? "context-window" : "content-policy"} ` +
          `fallback (its deployments are the ones that could not take the request): remove "${first}" from its own chain.`
        : `Fallback cycle: ${cycle.models.join(" -> ")}${section === "fallbacks" ? "" : ` in ${section}`}. A chain must not lead back to where it started: ` +
          `remove one of the fallbacks in this cycle.`;
    diagnostics.push(createDiagnostic("fallbackCycle", [section, first, index], message));
  }
}

/** Service URLs and passwords are secrets: written literally, they earn the same warning as an API key. */
function checkServices(root: Json, valid: (path: JsonPath) => boolean, context: SemanticContext, diagnostics: PendingDiagnostic[]): void {
  const services = asObject(root["services"]);
  if (services === undefined) return;
  const suggested = { postgresUrl: "DATABASE_URL", redisUrl: "REDIS_URL", redisPassword: "REDIS_PASSWORD" } as const;
  for (const [field, env] of Object.entries(suggested)) checkSecret(services[field], ["services", field], valid, context, diagnostics, "deployment", env);
}

/** Aliases: each a new name (no model's) for an exact model defined in `models`. */
function checkAliases(root: Json, modelNames: Map<string, number>, valid: (path: JsonPath) => boolean, diagnostics: PendingDiagnostic[]): void {
  const aliases = asObject(root["aliases"]);
  if (aliases === undefined || !valid(["aliases"])) return;
  const known = [...modelNames.keys()];
  for (const [alias, target] of Object.entries(aliases)) {
    const path: JsonPath = ["aliases", alias];
    if (!valid(path) || typeof target !== "string") continue;
    if (modelNames.has(alias)) {
      diagnostics.push(createDiagnostic("aliasClash", path, `aliases has "${alias}", which is also the name of a model: a name serves one model. Rename the alias or the model.`));
    } else if (!modelNames.has(target)) {
      diagnostics.push(
        createDiagnostic("aliasUnknownModel", path, `aliases.${alias} stands for "${target}", which is not a model in this config.${didYouMean(target, known)} Models: ${known.join(", ") || "(none)"}.`),
      );
    } else if (isWildcardName(target)) {
      diagnostics.push(createDiagnostic("aliasUnknownModel", path, `aliases.${alias} stands for the wildcard model "${target}", which has no one model to serve. Alias an exact model.`));
    }
  }
}

function checkTeams(
  root: Json,
  modelNames: Map<string, number>,
  valid: (path: JsonPath) => boolean,
  diagnostics: PendingDiagnostic[],
): Set<string> {
  const teamNames = new Map<string, number>();
  const known = [...modelNames.keys()];
  asArray(root["teams"]).forEach((teamValue, teamIndex) => {
    const team = asObject(teamValue);
    const path: JsonPath = ["teams", teamIndex];
    if (team === undefined) return;
    const name = definedName(team["name"]);
    if (name !== undefined) {
      const first = teamNames.get(name);
      if (first === undefined) teamNames.set(name, teamIndex);
      else {
        diagnostics.push(
          createDiagnostic(
            "duplicateTeam",
            [...path, "name"],
            `Team "${name}" is defined twice (teams[${first}] and teams[${teamIndex}]). Team names must be unique: ` +
              `rename one, or merge them.`,
          ),
        );
      }
    }
    asArray(team["models"]).forEach((model, index) => {
      const modelPath: JsonPath = [...path, "models", index];
      if (typeof model !== "string" || !valid(modelPath) || modelNames.has(model)) return;
      diagnostics.push(
        createDiagnostic(
          "teamUnknownModel",
          modelPath,
          `Team "${name ?? `teams[${teamIndex}]`}" allows model "${model}", which is not a model in this config.` +
            `${wildcardHint(model, known) || didYouMean(model, known)} Use a public model name from models ` +
            `(${known.join(", ") || "none defined"}).`,
        ),
      );
    });
  });
  return new Set(teamNames.keys());
}

/** For a name that only a wildcard model covers: a hint to refer to the wildcard itself; else "". */
function wildcardHint(model: string, known: string[]): string {
  const [wildcard] = matchingWildcards(model, known);
  return wildcard === undefined
    ? ""
    : ` It falls under the wildcard model "${wildcard}", but references name models as defined: use "${wildcard}", ` +
        `or define "${model}" as a model of its own.`;
}
