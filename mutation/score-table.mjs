// Prints the mutation score of each file of mutation/report.json (or the report given) as a Markdown
// table, as MUTATION.md shows it: node mutation/score-table.mjs [report.json] [--survivors]
// With --survivors, then each mutant not detected, as file:line:column, mutator and replacement.
// Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker counts it;
// mutants disabled in the code (equivalent ones, each with its reason) are not counted.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const report = JSON.parse(readFileSync(args.find((arg) => !arg.startsWith('--')) ?? 'mutation/report.json', 'utf8'));
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
if (args.includes('--survivors')) {
  console.log('');
  for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b)))
    for (const { status, location, mutatorName, replacement } of mutants)
      if (status === 'Survived' || status === 'NoCoverage')
        console.log(
          `${file}:${location.start.line}:${location.start.column} ${status} ${mutatorName} -> ${JSON.stringify(replacement ?? '')}`,
        );
}
