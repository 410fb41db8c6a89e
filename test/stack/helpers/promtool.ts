import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../e2e/helpers/app-process';

export interface PromtoolResult {
  code: number | null;
  /** stdout and stderr together: promtool prints successes on one and failures on the other. */
  output: string;
}

/** Runs Debian's `promtool` (installed with the `prometheus` package) from the repository root. */
export function promtool(...args: string[]): PromtoolResult {
  const result = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run promtool (${result.error.message}); install it: apt-get install -y prometheus`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
