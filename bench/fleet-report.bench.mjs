// How long the fleet report takes over a day of 20 instances × 500 routes (the scale test's TSDB, built
// with promtool from generated OpenMetrics), and how many PromQL queries it sends, counted by the
// Prometheus server's own prometheus_http_requests_total. Runs the built package:
//   npx tsc -p . && node bench/fleet-report.bench.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runReport } from '../dist/src/cli/run-report.js';
import { buildFleetTsdb } from '../test/fixtures/fleet-tsdb.mjs';

const ROUNDS = 5;
const SELECTOR = '{job="api"}';
const RANGE = '3h';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Queries answered so far, from the server's own metrics page (reading it sends no query). */
async function queriesAnswered(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^prometheus_http_requests_total\{[^}]*handler="\/api\/v1\/query"[^}]*\} (\S+)$/gm)].reduce((sum, [, value]) => sum + Number(value), 0);
}

async function timedReport(url, extra) {
  let failure = '';
  const io = { stdout: { write() {} }, stderr: { write: (text) => (failure += text) }, isTTY: false, env: process.env };
  const before = await queriesAnswered(url);
  const started = performance.now();
  const code = await runReport({ source: { prometheus: url, selector: SELECTOR, range: RANGE }, ...extra }, io);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`report failed: ${failure}`);
  return { ms, queries: (await queriesAnswered(url)) - before };
}

const dir = mkdtempSync(path.join(tmpdir(), 'spanlens-fleet-bench-'));
let prometheus;
try {
  const tsdb = await buildFleetTsdb(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${tsdb.dataDir}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const startedAt = performance.now();
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) break;
    if (performance.now() - startedAt > 60_000) throw new Error('prometheus did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const readyMs = performance.now() - startedAt;
  // The first report meets cold caches and Prometheus compacting the imported blocks: not timed.
  await timedReport(url, {});

  const plain = [];
  const compared = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    plain.push(await timedReport(url, {}));
    compared.push(await timedReport(url, { baselineOffset: '12h' }));
  }
  console.log(`Fleet report over ${tsdb.instances} instances × ${tsdb.routes} routes × ${tsdb.hours} h (node ${process.version})`);
  console.log(`TSDB: ${tsdb.series.toLocaleString('en-US')} series, ${tsdb.samples.toLocaleString('en-US')} samples; OpenMetrics text ${seconds(tsdb.generatedMs)}, promtool ${seconds(tsdb.promtoolMs)}, Prometheus ready ${seconds(readyMs)}`);
  console.log(`| report (median of ${ROUNDS}) | time | PromQL queries |`);
  console.log('|---|---|---|');
  console.log(`| --range ${RANGE} | ${seconds(median(plain.map((run) => run.ms)))} | ${[...new Set(plain.map((run) => run.queries))].join(', ')} |`);
  console.log(`| --range ${RANGE} --baseline-offset 12h | ${seconds(median(compared.map((run) => run.ms)))} | ${[...new Set(compared.map((run) => run.queries))].join(', ')} |`);
} finally {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
