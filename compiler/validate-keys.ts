import { createDiagnostic, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import { hashKey } from "./keys.ts";
import type { ParsedSecret } from "./secret.ts";
import { asArray, asObject, asString, checkSecret, type Json, type SemanticContext } from "./semantic-context.ts";
import { didYouMean } from "./suggest.ts";

/** Semantic checks of `keys` and `masterKey`: unique names, known teams, one distinct secret each. */
export function checkKeys(
  root: Json,
  teamNames: Set<string>,
  valid: (path: JsonPath) => boolean,
  context: SemanticContext,
  diagnostics: PendingDiagnostic[],
): void {
  /** Who already uses a secret, by env var name and by hash. */
  const owners = new Map<string, string>();
  const claim = (identities: string[], owner: string, path: JsonPath, how: (identity: string) => string): void => {
    for (const identity of identities) {
      const first = owners.get(identity);
      if (first !== undefined) {
        diagnostics.push(
          createDiagnostic(
            "duplicateKeySecret",
            path,
            `${owner} uses the same secret as ${first} (${how(identity)}). Each key must be distinct, ` +
              `or spend and budgets cannot tell the callers apart: give one of them another secret.`,
          ),
        );
        return;
      }
    }
    for (const identity of identities) owners.set(identity, owner);
  };
  const describe = (identity: string): string =>
    identity.startsWith("env:") ? `both read the env var ${identity.slice(4)}` : "both have the same SHA-256";
  const identitiesOf = (secret: ParsedSecret): string[] => {
    if (secret.kind === "literal") return [`sha256:${hashKey(secret.value)}`];
    const value = context.environment[secret.name];
    return value === undefined || value === "" ? [`env:${secret.name}`] : [`env:${secret.name}`, `sha256:${hashKey(value)}`];
  };

  const masterKey = checkSecret(root["masterKey"], ["masterKey"], valid, context, diagnostics, "masterKey");
  if (masterKey !== null) claim(identitiesOf(masterKey), "masterKey", ["masterKey"], describe);

  const keyNames = new Map<string, number>();
  asArray(root["keys"]).forEach((keyValue, keyIndex) => {
    const key = asObject(keyValue);
    const path: JsonPath = ["keys", keyIndex];
    if (key === undefined) return;
    const name = valid([...path, "name"]) ? asString(key["name"]) : undefined;
    const label = name === undefined ? `keys[${keyIndex}]` : `keys[${keyIndex}] ("${name}")`;
    if (name !== undefined) {
      const first = keyNames.get(name);
      if (first === undefined) keyNames.set(name, keyIndex);
      else {
        diagnostics.push(
          createDiagnostic(
            "duplicateKeyName",
            [...path, "name"],
            `Key name "${name}" is used twice (keys[${first}] and keys[${keyIndex}]). Key names label spend records, ` +
              `so they must be unique: rename one.`,
          ),
        );
      }
    }

    const team = valid([...path, "team"]) ? asString(key["team"]) : undefined;
    if (team !== undefined && !teamNames.has(team)) {
      const known = [...teamNames];
      diagnostics.push(
        createDiagnostic(
          "keyUnknownTeam",
          [...path, "team"],
          `${label} belongs to team "${team}", which is not defined.${didYouMean(team, known)} ` +
            (known.length === 0
              ? `Add { name: "${team}" } to teams.`
              : `Add it to teams, or use one of: ${known.join(", ")}.`),
        ),
      );
    }

    const hasKey = key["key"] !== undefined;
    const hasKeyHash = key["keyHash"] !== undefined;
    if (hasKey === hasKeyHash) {
      diagnostics.push(
        createDiagnostic(
          "keySecretCount",
          path,
          hasKey
            ? `${label} has both key and keyHash. Give exactly one: key (read from the environment and ` +
                `hashed at build or start-up) or keyHash (the SHA-256 hex digest of the key).`
            : `${label} has neither key nor keyHash, so no caller could use it. Add key: ` +
                `${context.format === "yaml" ? '"os.environ/TEAM_KEY"' : 'env("TEAM_KEY")'} or keyHash: "<64 hex characters>".`,
        ),
      );
    }
    const secret = checkSecret(key["key"], [...path, "key"], valid, context, diagnostics, "key");
    if (secret !== null && !hasKeyHash) claim(identitiesOf(secret), label, [...path, "key"], describe);
    const keyHash = asString(key["keyHash"]);
    if (keyHash !== undefined && valid([...path, "keyHash"]) && !hasKey) {
      claim([`sha256:${keyHash.toLowerCase()}`], label, [...path, "keyHash"], describe);
    }
  });
}
