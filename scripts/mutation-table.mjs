// Prints the mutation score per folder from the reports `npm run mutate` wrote (reports/mutation/*.json),
// as a Markdown table: `npm run mutate:table`.
import { existsSync, readFileSync } from 'node:fs';
import { MUTATED_FOLDERS, reportName } from './mutate.mjs';

const REPORTS = 'reports/mutation';
// Stryker's definition: detected (killed, timed out) over valid mutants (all but compile and runtime errors
// and ignored ones); "covered" leaves out the mutants no test runs.
const DETECTED = new Set(['Killed', 'Timeout']);
const INVALID = new Set(['CompileError', 'RuntimeError', 'Ignored']);

const rows = [];
for (const folder of MUTATED_FOLDERS) {
  const file = `${REPORTS}/${reportName(folder)}.json`;
  if (!existsSync(file)) {
    rows.push([folder, 'not run', '', '', '', '', '', '']);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const count = {};
  for (const source of Object.values(report.files)) {
    for (const mutant of source.mutants) count[mutant.status] = (count[mutant.status] ?? 0) + 1;
  }
  const n = (status) => count[status] ?? 0;
  const valid = Object.entries(count).filter(([status]) => !INVALID.has(status)).reduce((sum, [, c]) => sum + c, 0);
  const detected = n('Killed') + n('Timeout');
  const covered = valid - n('NoCoverage');
  const percent = (part, whole) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);
  rows.push([
    folder,
    n('Killed'), n('Timeout'), n('Survived'), n('NoCoverage'), n('Ignored'),
    percent(detected, valid), percent(detected, covered),
  ]);
}

const header = ['folder', 'killed', 'timeout', 'survived', 'no coverage', 'ignored (static)', 'score', 'score of covered'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
