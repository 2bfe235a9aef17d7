/**
 * Bedrock Runtime URLs and headers. Credentials are not added here: every request is signed
 * with SigV4 by the deployment's authorizer (sigv4-authorizer.ts), as the last step before sending.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 */
import type { ResolvedDeployment } from "../types.ts";

/**
 * The model id is one path segment: a model id ("anthropic.claude-3-5-sonnet-20240620-v1:0"),
 * an inference profile ("us.anthropic...") or an ARN, so ":" and "/" are percent-encoded.
 */
function modelPath(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/model/${encodeURIComponent(deployment.model)}`;
}

export function converseUrl(deployment: ResolvedDeployment, stream: boolean): string {
  return `${modelPath(deployment)}/${stream ? "converse-stream" : "converse"}`;
}

export function invokeUrl(deployment: ResolvedDeployment): string {
  return `${modelPath(deployment)}/invoke`;
}

export function createHeaders(stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "application/vnd.amazon.eventstream" : "application/json",
  };
}

const regionInHost = /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The signing region: the configured `region`, else AWS_REGION (secret `awsRegion`), else the
 * region named in a standard Bedrock host name; null when none is known.
 */
export function resolveRegion(deployment: ResolvedDeployment): string | null {
  const configured = deployment.options.region ?? deployment.secrets.awsRegion;
  if (configured) return configured;
  try {
    return regionInHost.exec(new URL(deployment.baseUrl).hostname)?.[1] ?? null;
  } catch {
    return null;
  }
}
