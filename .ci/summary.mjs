// Sums the vitest JSON reports of every project into one closing line: "N passed, N failed, N skipped".
import { readdirSync, readFileSync, existsSync } from 'node:fs';

const dir = 'tmp/test-results';
let passed = 0,
  failed = 0,
  skipped = 0;
if (existsSync(dir)) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
