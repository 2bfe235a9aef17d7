import { createDiagnostic, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import { asArray, asObject, definedName, type Json } from "./semantic-context.ts";

/**
 * Semantic checks of routing: a model that routes by `usage` needs something to measure. Its
 * strategy is the model's own `routing.strategy`, else the top-level one (normalize.ts resolves
 * it the same way); the warning points at whichever field set it.
 */
export function checkRouting(root: Json, valid: (path: JsonPath) => boolean, diagnostics: PendingDiagnostic[]): void {
  const topPath: JsonPath = ["routing", "strategy"];
  const topStrategy = valid(topPath) ? asObject(root["routing"])?.["strategy"] : undefined;
  asArray(root["models"]).forEach((modelValue, modelIndex) => {
    const model = asObject(modelValue);
    if (model === undefined) return;
    const ownPath: JsonPath = ["models", modelIndex, "routing", "strategy"];
    const own = asObject(model["routing"])?.["strategy"];
    // An invalid own strategy is reported by the schema; it would not fall back to the top-level one.
    if (own !== undefined && !valid(ownPath)) return;
    const strategy = own ?? topStrategy;
    if (strategy !== "usage" || !valid(["models", modelIndex, "deployments"])) return;
    // A limit that is present but invalid is reported by the schema: it still counts as meant.
    const limited = asArray(model["deployments"]).some((deployment) => {
      const fields = asObject(deployment);
      return fields !== undefined && (fields["rpmLimit"] !== undefined || fields["tpmLimit"] !== undefined);
    });
    if (limited) return;
    const name = definedName(model["name"]) ?? `models[${modelIndex}]`;
    diagnostics.push(
      createDiagnostic(
        "usageWithoutLimits",
        own === undefined ? topPath : ownPath,
        `Model "${name}" routes by usage, but none of its deployments has rpmLimit or tpmLimit, so there is no ` +
          `headroom to measure and it is routed by weight. Give its deployments their providers' rpmLimit/tpmLimit, ` +
          `or choose another routing strategy for it.`,
      ),
    );
  });
}
