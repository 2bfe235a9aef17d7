/**
 * Reading a /metrics answer as a scraper does: with the official Prometheus client's text-format
 * parser (Python's prometheus_client.parser, test/python/parse_metrics.py), so a malformed
 * exposition fails the test. Samples come flat, as Prometheus stores them (histograms as
 * `_bucket`, `_sum` and `_count` samples).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pythonWithSdks } from "./python-sdks.ts";

export interface MetricSample {
  /** The family's name (a counter's without `_total`, as the parser gives it). */
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number | "+Inf" | null;
}

const script = fileURLToPath(new URL("../python/parse_metrics.py", import.meta.url));

export function parseMetrics(text: string): MetricSample[] {
  return JSON.parse(execFileSync(pythonWithSdks(), [script], { input: text, encoding: "utf8", timeout: 60_000 })) as MetricSample[];
}

/** The samples named `name` whose labels include every one of `labels`. */
export function samples(all: readonly MetricSample[], name: string, labels: Record<string, string> = {}): MetricSample[] {
  return all.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

/** The sum of the matching samples' values. */
export function total(all: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples(all, name, labels).reduce((sum, sample) => sum + (typeof sample.value === "number" ? sample.value : 0), 0);
}
