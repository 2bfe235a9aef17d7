// Reads vitest's JSON report and prints one plain closing line: "vitest: N passed, N failed, N skipped".
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".gw/vitest-report.json";
const report = JSON.parse(readFileSync(path, "utf8"));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
if (report.numTotalTests === 0) process.exitCode = 1;
