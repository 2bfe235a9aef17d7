/**
 * Every diagnostic the compiler can report. Codes are permanent: a code is never reused
 * for a different problem, and a retired code stays in this table marked as such.
 * compiler/DIAGNOSTICS.md documents the same table (compiler/diagnostic-codes.test.ts
 * checks the two agree).
 *
 * Ranges: GW10xx loading, GW11xx schema, GW12xx models and routing, GW13xx teams, keys
 * and secrets, GW14xx prices, GW15xx LiteLLM configs.
 */

export type Severity = "error" | "warning";

export interface DiagnosticCodeInfo {
  code: string;
  severity: Severity;
  title: string;
}

export const DIAGNOSTIC_CODES = {
  configNotFound: { code: "GW1001", severity: "error", title: "Config file not found" },
  configLoadFailed: { code: "GW1002", severity: "error", title: "Config file failed to load" },
  configNotAnObject: { code: "GW1003", severity: "error", title: "Config file does not export a config object" },
  yamlSyntax: { code: "GW1004", severity: "error", title: "YAML syntax error" },
  yamlDuplicateKey: { code: "GW1005", severity: "error", title: "Duplicate key in YAML" },
  unsupportedExtension: { code: "GW1006", severity: "error", title: "Unsupported config file type" },

  schemaType: { code: "GW1101", severity: "error", title: "Wrong type" },
  schemaUnknownProperty: { code: "GW1102", severity: "error", title: "Unknown property" },
  schemaMissingProperty: { code: "GW1103", severity: "error", title: "Missing required property" },
  schemaNotAllowed: { code: "GW1104", severity: "error", title: "Value not allowed" },
  schemaOutOfRange: { code: "GW1105", severity: "error", title: "Number out of range" },
  schemaBadFormat: { code: "GW1106", severity: "error", title: "String has the wrong format" },
  schemaTooFewItems: { code: "GW1107", severity: "error", title: "List is too short" },
  schemaOther: { code: "GW1108", severity: "error", title: "Invalid value" },

  unknownProvider: { code: "GW1201", severity: "error", title: "Unknown provider" },
  fallbackUnknownModel: { code: "GW1202", severity: "error", title: "Fallback refers to an undefined model" },
  fallbackCycle: { code: "GW1203", severity: "error", title: "Fallback cycle" },
  zeroTotalWeight: { code: "GW1204", severity: "error", title: "Model has zero total weight" },
  duplicateModel: { code: "GW1205", severity: "error", title: "Duplicate model name" },
  duplicateDeployment: { code: "GW1206", severity: "error", title: "Duplicate deployment name" },
  missingProvider: { code: "GW1207", severity: "error", title: "Deployment names no provider" },
  unknownModelPrefix: { code: "GW1208", severity: "error", title: "Unknown provider prefix in a model" },
  invalidWildcard: { code: "GW1209", severity: "error", title: "Invalid wildcard model name" },
  misplacedWildcard: { code: "GW1210", severity: "error", title: "Misplaced * in a deployment's model" },
  fallbackToWildcard: { code: "GW1211", severity: "error", title: "Fallback to a wildcard model" },
  missingBaseUrl: { code: "GW1212", severity: "error", title: "Provider needs a baseUrl" },
  vertexLocation: { code: "GW1213", severity: "error", title: "Vertex AI deployment needs project and region" },
  bedrockRegionFromEnvironment: { code: "GW1214", severity: "warning", title: "Bedrock region read from AWS_REGION at start-up" },
  unsupportedOption: { code: "GW1215", severity: "error", title: "Option not supported by this provider" },
  redundantModelPrefix: { code: "GW1216", severity: "warning", title: "Provider prefix sent upstream as part of the model" },
  invalidHeader: { code: "GW1217", severity: "error", title: "Header cannot be set" },
  usageWithoutLimits: { code: "GW1218", severity: "warning", title: "Usage routing without deployment limits" },
  aliasClash: { code: "GW1219", severity: "error", title: "Alias is also a model's name" },
  aliasUnknownModel: { code: "GW1220", severity: "error", title: "Alias of an undefined or wildcard model" },

  duplicateTeam: { code: "GW1301", severity: "error", title: "Duplicate team name" },
  duplicateKeyName: { code: "GW1302", severity: "error", title: "Duplicate key name" },
  duplicateKeySecret: { code: "GW1303", severity: "error", title: "Two keys share the same secret" },
  teamUnknownModel: { code: "GW1304", severity: "error", title: "Team allows an undefined model" },
  keyUnknownTeam: { code: "GW1305", severity: "error", title: "Key belongs to an undefined team" },
  keySecretCount: { code: "GW1306", severity: "error", title: "Key needs exactly one of key and keyHash" },
  keyHashFormat: { code: "GW1307", severity: "error", title: "keyHash is not a SHA-256 hex digest" },
  literalSecret: { code: "GW1308", severity: "warning", title: "Secret written literally in the config" },

  missingPrice: { code: "GW1401", severity: "warning", title: "No price known for a deployment" },

  litellmIgnored: { code: "GW1501", severity: "warning", title: "LiteLLM setting gw does not use" },
  litellmInvalid: { code: "GW1502", severity: "error", title: "LiteLLM config entry gw cannot read" },
  litellmUnsafe: { code: "GW1503", severity: "error", title: "LiteLLM setting gw cannot honour, unsafe to ignore" },
} as const satisfies Record<string, DiagnosticCodeInfo>;

export type DiagnosticKind = keyof typeof DIAGNOSTIC_CODES;

/** The table as a list, in code order (used by the docs and the docs test). */
export function listDiagnosticCodes(): DiagnosticCodeInfo[] {
  return Object.values(DIAGNOSTIC_CODES).sort((a, b) => a.code.localeCompare(b.code));
}
