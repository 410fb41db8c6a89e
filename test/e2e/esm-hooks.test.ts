import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from './helpers/app-process';

const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };

/** Runs a fixture of test/fixtures/esm-hooks with the given node flags; its standard output. */
function run(flags: string[], fixture: string): string {
  // A preload waiting for a loader that never acknowledges the instrumentations' hooks hangs: end it.
  const result = spawnSync(process.execPath, [...flags, path.join(FIXTURES, 'esm-hooks', fixture)], {
    cwd: REPO_ROOT,
    env: ENV,
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.signal).toBeNull();
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

/** What import-in-the-middle says of the Node running these tests (the children run the same binary). */
function nodeRunsLoaderInThread(): boolean {
  const check = "import { supportsSyncHooks } from 'import-in-the-middle/supports-sync-hooks.mjs'; console.log(supportsSyncHooks())";
  return spawnSync(process.execPath, ['--input-type=module', '-e', check], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim() === 'true';
}

const IMPORT = ['--import', path.join(REPO_ROOT, 'register.js')];
const REQUIRE_THEN_IMPORT = ['--require', path.join(REPO_ROOT, 'register.cjs'), ...IMPORT];

describe('the ES module loader hook of --import ./register.js', () => {
  it(`runs on the app's thread where Node supports it (${process.version}), else on a loader thread of its own`, () => {
    const plain = Number(run([], 'count-threads.mjs'));
    // The measure can fail: the loader thread of `module.register` is one more thread than a plain run.
    expect(Number(run(IMPORT, 'count-threads.mjs'))).toBe(nodeRunsLoaderInThread() ? plain : plain + 1);
  });

  it('intercepts only the modules instrumentations hook, also those hooked after start-up', () => {
    const { intercepted } = JSON.parse(run(IMPORT, 'intercepted-app.mjs')) as { intercepted: string[] };
    // pg by spanlens' instrumentation, semver by the app's own later hook; not the app's own module.
    expect(intercepted).toEqual(['pg', 'semver']);
  });

  it('intercepts every module once a --require preload has started spanlens', () => {
    const { intercepted } = JSON.parse(run(REQUIRE_THEN_IMPORT, 'intercepted-app.mjs')) as { intercepted: string[] };
    expect(intercepted).toEqual(expect.arrayContaining([path.join(FIXTURES, 'esm-hooks', 'local-module.mjs'), 'pg', 'semver']));
  });
});
