/**
 * The last request a fake upstream recorded, for end-to-end tests that check what gw sent. It
 * asserts that there was one: a test reading it expects gw to have called that upstream.
 */
import { expect } from "vitest";
import type { RecordedRequest } from "../fakes/fake-server.ts";

export function lastRecorded(requests: readonly RecordedRequest[]): RecordedRequest {
  expect(requests.length).toBeGreaterThan(0);
  return requests[requests.length - 1]!;
}
