import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from './helpers/app-process';
import { DATABASE_URL } from './helpers/postgres';

/** Peak RSS of a preloaded app that runs 30 statement shapes through pg and then idles 5 s. */
function peakMiB(env: Record<string, string> = {}): number {
  const result = spawnSync(process.execPath, ['--require', path.join(REPO_ROOT, 'register.cjs'), path.join(FIXTURES, 'parser-memory-app.cjs')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as { peakMiB: number }).peakMiB;
}

// On Node 24 V8 recompiled the WebAssembly SQL parser with its optimizing compiler after the first
// statements, and the app's RSS rose by about 550 MiB for several seconds (400–700 MiB peak for an
// app of 100); on Node 22 the optimized code stayed resident. spanlens keeps WebAssembly on the
// baseline compiler (src/sql/wasm-tiering.ts); 200 MiB leaves room for every Node and load here.
describe("the SQL parser's memory", () => {
  it('keeps the peak RSS of an app that runs statements under 200 MiB', () => {
    expect(peakMiB()).toBeLessThan(200);
  });
});
