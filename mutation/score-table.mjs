// Prints the mutation score of each file of mutation/report.json (or the report given) as a Markdown
// table, as MUTATION.md shows it: node mutation/score-table.mjs [report.json]
// Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker counts it;
// mutants disabled in the code (equivalent ones, each with its reason) are not counted.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'mutation/report.json', 'utf8'));
const rows = [];
const total = { detected: 0, undetected: 0, ignored: 0 };
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const count = (...statuses) => mutants.filter((mutant) => statuses.includes(mutant.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  const ignored = count('Ignored');
  total.detected += detected;
  total.undetected += undetected;
  total.ignored += ignored;
  if (detected + undetected === 0) continue;
  rows.push(`| ${file} | ${((100 * detected) / (detected + undetected)).toFixed(1)}% | ${detected} | ${undetected} | ${ignored} |`);
}
const score = (100 * total.detected) / (total.detected + total.undetected);
console.log('| file | score | detected | undetected | disabled |\n|---|---:|---:|---:|---:|');
console.log(rows.join('\n'));
console.log(`| **all of src/** | **${score.toFixed(2)}%** | ${total.detected} | ${total.undetected} | ${total.ignored} |`);
