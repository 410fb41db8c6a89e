// Prints the mutation score per folder from the reports `npm run mutate` wrote, as a Markdown table
// (`npm run mutate:table`). A folder whose run was stopped part-way has no report but an incremental
// file of the mutants it finished: its row says "stopped part-way".
import { existsSync, readFileSync } from 'node:fs';
import { MUTATED_FOLDERS, incrementalFileOf, reportOf } from './mutate.mjs';

// Stryker's definition: detected (killed, timed out) over valid mutants (all but compile and runtime errors
// and ignored ones); "covered" leaves out the mutants no test runs.
const INVALID = new Set(['CompileError', 'RuntimeError', 'Ignored']);

const rows = [];
for (const folder of MUTATED_FOLDERS) {
  const file = [reportOf(folder), incrementalFileOf(folder)].find((candidate) => existsSync(candidate));
  if (file === undefined) {
    rows.push([folder, 'not run', '', '', '', '', '', '']);
    continue;
  }
  const count = {};
  for (const source of Object.values(JSON.parse(readFileSync(file, 'utf8')).files)) {
    for (const mutant of source.mutants) count[mutant.status] = (count[mutant.status] ?? 0) + 1;
  }
  const n = (status) => count[status] ?? 0;
  const valid = Object.entries(count).filter(([status]) => !INVALID.has(status)).reduce((sum, [, c]) => sum + c, 0);
  const detected = n('Killed') + n('Timeout');
  const covered = valid - n('NoCoverage');
  const percent = (part, whole) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);
  rows.push([
    file === reportOf(folder) ? folder : `${folder} (stopped part-way)`,
    n('Killed'), n('Timeout'), n('Survived'), n('NoCoverage'), n('Ignored'),
    percent(detected, valid), percent(detected, covered),
  ]);
}

const header = ['folder', 'killed', 'timeout', 'survived', 'no coverage', 'ignored (static)', 'score', 'score of covered'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
