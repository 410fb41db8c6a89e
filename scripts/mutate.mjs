// Runs Stryker over each mutated folder in turn (`npm run mutate`, or `npm run mutate -- src/sql` for some).
// A whole run is hours on 2 cores: a folder at a time gives a report per folder
// (reports/mutation/<folder>.json) and an incremental file per folder, which Stryker also writes when
// stopped part-way, so a re-run goes on from there and, after new tests, tests again only what they cover.
// `npm run mutate:table` prints the score per folder.
import { spawnSync } from 'node:child_process';

export const MUTATED_FOLDERS = ['src/detection', 'src/sql', 'src/stats', 'src/processors', 'src/config', 'instrumentations/keyv'];

/** `src/sql` → `src-sql`: the name of the folder's report and incremental file. */
export function reportName(folder) {
  return folder.replaceAll('/', '-');
}

export const reportOf = (folder) => `reports/mutation/${reportName(folder)}.json`;
export const incrementalFileOf = (folder) => `reports/incremental/${reportName(folder)}.json`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const folders = process.argv.length > 2 ? process.argv.slice(2).map((folder) => folder.replace(/\/$/, '')) : MUTATED_FOLDERS;
  for (const folder of folders) {
    console.log(`\n== ${folder}`);
    const result = spawnSync('npx', ['stryker', 'run', '--incremental', '--mutate', `${folder}/**/*.ts`], {
      stdio: 'inherit',
      env: { ...process.env, SPANLENS_MUTATE_REPORT: reportOf(folder), SPANLENS_MUTATE_INCREMENTAL: incrementalFileOf(folder) },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
