import Ajv, { type ValidateFunction } from "ajv";
import bundleSchema from "../schemas/bundle.schema.json" with { type: "json" };
import type { Bundle } from "./bundle.ts";
import { parseModelName } from "./wildcard.ts";

/**
 * The runtime's one check of a loaded bundle, at start-up: the bundle JSON Schema, then
 * the invariants a schema cannot express (lengths that must agree, references that must
 * resolve). Returns readable problems; an empty list means the bundle can be trusted.
 * The hash is not verified here (see `hashBundleContent` for that).
 */

let compiled: ValidateFunction | undefined;

export function validateBundle(value: unknown): string[] {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(bundleSchema);
  if (!compiled(value)) {
    return (compiled.errors ?? []).map((error) => {
      const where = error.instancePath === "" ? "bundle" : `bundle${error.instancePath}`;
      const extra = error.keyword === "additionalProperties" ? ` "${String(error.params["additionalProperty"])}"` : "";
      return `${where} ${error.message ?? "is invalid"}${extra}`;
    });
  }
  return checkInvariants(value as Bundle);
}

function checkInvariants(bundle: Bundle): string[] {
  const problems: string[] = [];
  const deploymentIds = new Set<string>();
  for (const [name, route] of Object.entries(bundle.routes)) {
    const where = `bundle/routes/${name}`;
    if (route.name !== name) problems.push(`${where}/name must equal its key "${name}"`);
    if (route.cumulativeWeights.length !== route.deployments.length) {
      problems.push(`${where}/cumulativeWeights must have one entry per deployment`);
    }
    if (route.cumulativeWeights.some((weight, index) => index > 0 && weight < route.cumulativeWeights[index - 1]!)) {
      problems.push(`${where}/cumulativeWeights must be ascending`);
    }
    if (route.cumulativeWeights.at(-1) !== 1) problems.push(`${where}/cumulativeWeights must end with 1`);
    const wildcard = parseModelName(name);
    if (wildcard.kind === "wildcard" ? route.wildcardPrefix !== wildcard.prefix : route.wildcardPrefix !== null) {
      problems.push(`${where}/wildcardPrefix must be ${wildcard.kind === "wildcard" ? `"${wildcard.prefix}"` : "null"}`);
    }
    for (const field of ["fallbacks", "contextWindowFallbacks", "contentPolicyFallbacks"] as const) {
      for (const fallback of route[field] ?? []) {
        if (fallback === name) problems.push(`${where}/${field} must not contain the route itself`);
        else if (!Object.hasOwn(bundle.routes, fallback)) problems.push(`${where}/${field} refers to unknown route "${fallback}"`);
        else if (bundle.routes[fallback]!.wildcardPrefix !== null) problems.push(`${where}/${field} refers to wildcard route "${fallback}"`);
      }
    }
    for (const deployment of route.deployments) {
      if (deploymentIds.has(deployment.id)) problems.push(`${where}/deployments has duplicate id "${deployment.id}"`);
      deploymentIds.add(deployment.id);
    }
  }
  for (const [alias, target] of Object.entries(bundle.aliases ?? {})) {
    if (Object.hasOwn(bundle.routes, alias)) problems.push(`bundle/aliases/${alias} must not be a route's name`);
    else if (!Object.hasOwn(bundle.routes, target) || bundle.routes[target]!.wildcardPrefix !== null) problems.push(`bundle/aliases/${alias} must name an exact route, got "${target}"`);
  }
  for (const name of bundle.optionalEnv) {
    if (bundle.env.includes(name)) problems.push(`bundle/optionalEnv must not repeat "${name}" from bundle/env`);
  }
  for (const [name, team] of Object.entries(bundle.policy.teams)) {
    if (team.name !== name) problems.push(`bundle/policy/teams/${name}/name must equal its key "${name}"`);
    for (const model of team.models ?? []) {
      if (!Object.hasOwn(bundle.routes, model)) problems.push(`bundle/policy/teams/${name}/models refers to unknown route "${model}"`);
    }
  }
  bundle.policy.keys.forEach((key, index) => {
    if (!Object.hasOwn(bundle.policy.teams, key.team)) {
      problems.push(`bundle/policy/keys/${index}/team refers to unknown team "${key.team}"`);
    }
  });
  return problems;
}
