"""Reads a Prometheus text-format exposition on stdin with the official client's parser
(prometheus_client.parser) and prints its samples as JSON: [{"name", "labels", "value"}], histogram
buckets, sums and counts as the separate samples a scraper stores."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        value = sample.value
        samples.append({
            "family": family.name,
            "type": family.type,
            "name": sample.name,
            "labels": sample.labels,
            "value": None if math.isnan(value) else ("+Inf" if value == math.inf else value),
        })
json.dump(samples, sys.stdout)
