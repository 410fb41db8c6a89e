// Runs Stryker over each folder in turn (`npm run mutate`, or `npm run mutate -- src/sql` for some):
// a whole run is hours on 2 cores, and a folder at a time gives a score per folder, a report per folder
// (reports/mutation/<folder>.json) and an incremental file per folder, so a re-run after new tests only
// tests again the mutants those tests cover.
import { spawnSync } from 'node:child_process';

export const MUTATED_FOLDERS = ['src/detection', 'src/sql', 'src/stats', 'src/processors', 'src/config', 'instrumentations/keyv'];

/** `src/sql` → `src-sql`: the name of the folder's report and incremental file. */
export function reportName(folder) {
  return folder.replaceAll('/', '-');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folders = process.argv.length > 2 ? process.argv.slice(2) : MUTATED_FOLDERS;
  for (const folder of folders) {
    const name = reportName(folder.replace(/\/$/, ''));
    const result = spawnSync('npx', ['stryker', 'run', '--incremental', '--mutate', `${folder}/**/*.ts`], {
      stdio: 'inherit',
      env: {
        ...process.env,
        SPANLENS_MUTATE_REPORT: `reports/mutation/${name}.json`,
        SPANLENS_MUTATE_INCREMENTAL: `reports/incremental/${name}.json`,
      },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
