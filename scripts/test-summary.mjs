// Prints vitest's JSON result as one plain closing line ("N passed, N failed") that any CI log reader
// understands, and fails if the run executed no test at all.
import { readFileSync } from 'node:fs';

const result = JSON.parse(readFileSync(process.argv[2] ?? 'test-artifacts/vitest.json', 'utf8'));
const passed = result.numPassedTests ?? 0;
const failed = result.numFailedTests ?? 0;
const skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
