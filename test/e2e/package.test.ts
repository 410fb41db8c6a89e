import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from './helpers/app-process';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { startTracedApp } from './helpers/traced-app';

// As users get it: the packed tarball installed into a fresh app folder outside the repository.
const schema = new TestSchema();
const appDir = mkdtempSync(path.join(tmpdir(), 'spanlens-user-app-'));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  await schema.create();
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', appDir], REPO_ROOT);
  const tarball = readdirSync(appDir).find((file) => file.endsWith('.tgz'))!;
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, version: '1.0.0' }));
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--engine-strict=false', `./${tarball}`, '@opentelemetry/api@1.10.0', 'pg@8', 'express@5', 'typescript@5.9'],
    appDir,
  );
  for (const file of ['express-app.cjs', 'meetings.cjs', 'http-app.mjs']) copyFileSync(path.join(FIXTURES, file), path.join(appDir, file));
}, 240_000);

afterAll(async () => {
  await schema.drop();
  rmSync(appDir, { recursive: true, force: true });
});

describe('the packed package installed in an app of its own', () => {
  it.each([
    { preload: 'import' as const, app: 'http-app.mjs' },
    { preload: 'require' as const, app: 'express-app.cjs' },
  ])('instruments $app started with node --$preload spanlens/register', async ({ preload, app }) => {
    const traced = await startTracedApp(schema, {
      app: path.join(appDir, app),
      preload,
      preloadSpecifier: 'spanlens/register',
      cwd: appDir,
    });
    try {
      expect((await fetch(traced.app.url('/meetings/5'))).status).toBe(200);
      const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1);
      expect(serverRoots(spans)[0]!.attributes['spanlens.db.query_count']).toBe(3);
      const metrics = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/spanlens_request_db_queries_count\{http_route="\/meetings\/(\{id\}|:id)"[^}]*\} 1/);
    } finally {
      await traced.stop();
    }
  });

  it('gives TypeScript users the types of start() and the processors', () => {
    const tsc = path.join(appDir, 'node_modules/typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'];
    writeFileSync(
      path.join(appDir, 'uses-spanlens.mts'),
      [
        "import { start, RequestStatisticsProcessor, type RequestSummary } from 'spanlens';",
        'const handle = start({ slowQueryThresholdMs: 100, responseHeaders: "server-timing" });',
        'const processor: RequestStatisticsProcessor | undefined = handle.requestStatistics;',
        'processor?.onRequestEnd((summary: RequestSummary) => console.log(summary.route, summary.queryCount));',
        'const done: Promise<void> = handle.shutdown();',
        'void done;',
      ].join('\n'),
    );
    const typecheck = (file: string) => spawnSync(process.execPath, [tsc, ...options, file], { cwd: appDir, encoding: 'utf8' });
    const good = typecheck('uses-spanlens.mts');
    expect(good.stdout + good.stderr).toBe('');
    expect(good.status).toBe(0);

    writeFileSync(path.join(appDir, 'misuses-spanlens.mts'), "import { start } from 'spanlens';\nstart({ slowQueryThresholdMs: 'fast' });\n");
    const bad = typecheck('misuses-spanlens.mts');
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/'string' is not assignable to type 'number'/);
  });
});
