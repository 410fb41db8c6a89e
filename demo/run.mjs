// `npm run demo`: seeds the meetings app's database (embedded PostgreSQL unless DATABASE_URL is set),
// drives the naive version with load, saves spanlens' report, does the same for the optimized version,
// and prints the comparison. `--quick` sends fewer requests (for tests).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';
import { drive, plannedRequests } from './load.mjs';
import { seed } from './seed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 150 : 1500;
const CONCURRENCY = 8;
const outputDir = path.resolve(process.env.DEMO_OUTPUT_DIR ?? path.join(root, 'demo-output'));

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function reseed(databaseUrl) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await seed(pool);
  } finally {
    await pool.end();
  }
}

/** Starts the app preloaded with spanlens, exactly as a user would: node --import ./register.js. */
async function startApp(mode, databaseUrl, metricsPort) {
  const child = spawn(process.execPath, ['--import', path.join(root, 'register.js'), path.join(here, 'app.mjs')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DEMO_MODE: mode,
      OTEL_SERVICE_NAME: `syncup-demo-${mode}`,
      // No collector runs with the demo: keep traces unless one is configured.
      OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none'),
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /"listening":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} app exited with ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function runPhase(mode, databaseUrl) {
  await reseed(databaseUrl);
  const metricsPort = await freePort();
  const app = await startApp(mode, databaseUrl, metricsPort);
  try {
    const failures = await drive(app.url, plannedRequests(REQUESTS), { concurrency: CONCURRENCY, label: mode });
    if (failures > 0) throw new Error(`${failures} requests failed against the ${mode} app`);
    const response = await fetch(`http://127.0.0.1:${metricsPort}/stats`);
    if (!response.ok) throw new Error(`/stats answered ${response.status}`);
    const snapshot = await response.json();
    const file = path.join(outputDir, `${mode}.json`);
    writeFileSync(file, JSON.stringify(snapshot, null, 2));
    return file;
  } finally {
    await app.stop();
  }
}

async function main() {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const databaseUrl = process.env.DATABASE_URL ?? embedded.url;
  console.log(`spanlens demo: SyncUp meetings app on ${embedded ? 'embedded PostgreSQL (PGlite)' : 'DATABASE_URL'}, ${REQUESTS} requests per version`);
  mkdirSync(outputDir, { recursive: true });
  try {
    const { runCli } = await import(path.join(root, 'dist/src/cli/run-cli.js'));
    const io = { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stdout.isTTY), env: process.env };
    const naive = await runPhase('naive', databaseUrl);
    console.log(`\nWhat spanlens saw in the naive version (saved to ${path.relative(process.cwd(), naive)}):\n`);
    let code = await runCli(['report', '--file', naive], io);
    const optimized = await runPhase('optimized', databaseUrl);
    console.log(`\nThe optimized version, compared with the naive one (saved to ${path.relative(process.cwd(), optimized)}):\n`);
    if (code === 0) code = await runCli(['report', '--file', optimized, '--baseline', naive], io);
    process.exitCode = code;
  } finally {
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(`spanlens demo failed: ${error.message}`);
  process.exitCode = 1;
});
