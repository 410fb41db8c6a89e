// Where spanlens' CPU time per request goes, from V8's sampling profiler rather than /proc: the load
// benchmark's CPU ratios move by ±10 % between identical runs on 2 shared cores, too much to see a few
// per cent; a profile splits one process' time into parts, and spanlens' own part does not depend on how
// busy the machine is. Runs the load benchmark's fixture app under the plain NodeSDK, spanlens and spanlens
// at 10 % sampling, one route at a time, at a fixed request rate, profiles a measured window of load after
// a warm-up, and prints per route the
// µs per request of each part (see bench/load/cpu-profile-attribution.mjs) and spanlens' costliest
// functions. Needs PostgreSQL and Redis as the load benchmark does, and the built package:
//   npx tsc -p . && node bench/cpu-time.bench.mjs [--seconds 8] [--rounds 3] [--routes /one,/cached]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BenchmarkFailure } from './load/benchmark-failure.mjs';
import { attributeProfile, PARTS } from './load/cpu-profile-attribution.mjs';
import { clearCacheNamespaces } from './load/fixture-cache.mjs';
import { createFixtureTables } from './load/fixture-database.mjs';
import { ListeningProcess } from './load/listening-process.mjs';
import { environmentOf, FIXTURE_APP, MODES } from './load/modes.mjs';
import { ROUTES } from './load/options.mjs';
import { cpuSecondsOf } from './load/process-meter.mjs';
import { median, spread } from './load/statistics.mjs';

const DATABASE_URL = process.env.LOADBENCH_DATABASE_URL ?? process.env.SPANLENS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.LOADBENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PRELOAD = fileURLToPath(new URL('./load/cpu-profiler-preload.cjs', import.meta.url));
const SINK_SCRIPT = fileURLToPath(new URL('./load/otlp-sink.mjs', import.meta.url));
const BUILT_PRELOAD = fileURLToPath(new URL('../dist/src/preload/register-esm.js', import.meta.url));
// The plain SDK is the baseline; spanlens at 10 % sampling shows what recording without exporting costs.
const COMPARED = ['plain', 'spanlens', 'spanlens-10'];
const CONNECTIONS = 10;
// Requests per second, about half of what the plain SDK serves here at full load: the profiler counts
// wall-clock time between samples, so a thread preempted by the load generator or PostgreSQL would
// charge the wait to whatever it was running; with room to spare it rarely waits.
const RATES = { '/one': 600, '/ten': 150, '/n-plus-one': 100, '/cached': 1000 };
const WARMUP_SECONDS = 3;
const TOP_FUNCTIONS = 12;

function readArguments(argv) {
  const options = { seconds: 8, rounds: 3, routes: ROUTES };
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index].split('=', 2);
    const value = inline ?? argv[++index];
    if (flag === '--seconds' && Number(value) >= 1) options.seconds = Number(value);
    else if (flag === '--rounds' && Number.isInteger(Number(value)) && Number(value) >= 1) options.rounds = Number(value);
    else if (flag === '--routes' && value?.split(',').every((route) => ROUTES.includes(route))) options.routes = value.split(',');
    else throw new BenchmarkFailure(`usage: node bench/cpu-time.bench.mjs [--seconds N ≥ 1] [--rounds N ≥ 1] [--routes ${ROUTES.join(',')}] (got ${argv[index - 1] ?? ''} ${value ?? ''})`);
  }
  return options;
}

const load = (url, route, seconds) =>
  autocannon({ url, connections: CONNECTIONS, overallRate: RATES[route], duration: seconds, requests: [{ method: 'GET', path: route }] });

function answerOf(app, key, message) {
  return new Promise((resolve) => {
    const onMessage = (answer) => {
      if (answer?.[key] === undefined) return;
      app.child.off('message', onMessage);
      resolve(answer);
    };
    app.child.on('message', onMessage);
    app.child.send(message);
  });
}

/** Profiles `seconds` of load on `route` in a fresh process of `mode`; resolves with the attribution. */
async function profileRoute(mode, route, seconds, sinkUrl, folder) {
  const env = environmentOf(mode, { sinkUrl, prometheusPort: 0, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL });
  const app = await ListeningProcess.start(mode.name, ['--require', PRELOAD, ...mode.preload, FIXTURE_APP], env);
  try {
    await load(app.url, route, WARMUP_SECONDS);
    await answerOf(app, 'cpuProfileStarted', 'cpu-profile-start');
    const servedBefore = await app.served();
    const cpuBefore = cpuSecondsOf(app.pid);
    const result = await load(app.url, route, seconds);
    const cpuSeconds = cpuSecondsOf(app.pid) - cpuBefore;
    const file = path.join(folder, `${mode.name}${route.replaceAll('/', '-')}.cpuprofile`);
    const written = await answerOf(app, 'cpuProfileWritten', { cpuProfileStop: file });
    if (written.error !== undefined) throw new BenchmarkFailure(`${mode.name}: the profiler failed: ${written.error}`);
    const served = (await app.served()) - servedBefore;
    if (result.non2xx > 0 || result.errors > 0) throw new BenchmarkFailure(`${mode.name} ${route}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`);
    return { served, cpuUsPerRequest: (cpuSeconds * 1e6) / served, ...attributeProfile(JSON.parse(readFileSync(file, 'utf8')), served) };
  } finally {
    await app.stop();
  }
}

const us = (value) => (value === undefined ? '—' : value.toFixed(1));
const withRange = (values) => {
  const { median: middle, min, max } = spread(values);
  return values.length === 1 ? us(middle) : `${us(middle)} (${us(min)}–${us(max)})`;
};

/** Medians over the rounds of each mode; the differences are medians of the rounds' differences. */
function printRoute(route, runs) {
  const [plain, ...others] = COMPARED.map((name) => runs.get(name));
  const [spanlens] = others;
  const differences = (list, pick) => plain.map((run, round) => pick(list[round]) - pick(run));
  const row = (label, pick) =>
    `| ${label} | ${[plain, ...others].map((list) => withRange(list.map(pick))).join(' | ')} | ${others.map((list) => us(median(differences(list, pick)))).join(' | ')} |`;
  const served = (list) => list.reduce((sum, run) => sum + run.served, 0);
  const labels = COMPARED.map((name) => MODES.find((mode) => mode.name === name).label);
  console.log(`\nGET ${route}: µs of CPU per request, median of ${plain.length} rounds (min–max); requests profiled: ${[plain, ...others].map(served).join(', ')}`);
  console.log(`| part | ${labels.join(' | ')} | ${labels.slice(1).map((label) => `${label} − plain`).join(' | ')} |`);
  console.log(`|:--|${'--:|'.repeat(labels.length * 2 - 1)}`);
  for (const part of PARTS) console.log(row(part.label, (run) => run.parts[part.name]));
  console.log(row('**all, from the profile** (idle left out)', (run) => run.busyUsPerRequest));
  console.log(row('**all, from /proc** (user + system, every thread)', (run) => run.cpuUsPerRequest));
  const ownShares = spanlens.map((run, round) => (run.parts.spanlens / plain[round].busyUsPerRequest) * 100);
  console.log(`spanlens' own part: ${us(median(spanlens.map((run) => run.parts.spanlens)))} µs per request, ${median(ownShares).toFixed(1)} % of the plain SDK's CPU per request (profile)`);
  const functions = new Map();
  for (const run of spanlens) for (const fn of run.functions) functions.set(fn.name, (functions.get(fn.name) ?? 0) + fn.usPerRequest / spanlens.length);
  console.log(`its costliest functions (µs per request, mean of the rounds, with the SDK calls they make): ${[...functions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_FUNCTIONS)
    .map(([name, value]) => `${name} ${us(value)}`)
    .join('; ')}`);
}

async function main() {
  const options = readArguments(process.argv.slice(2));
  if (!existsSync(BUILT_PRELOAD)) throw new BenchmarkFailure('spanlens is not built: run npx tsc -p tsconfig.json');
  const cpus = os.cpus();
  console.log(`CPU time by part, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim()}, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  console.log(`${options.rounds} rounds × ${options.seconds} s of load per mode and route, each in a fresh process after ${WARMUP_SECONDS} s of warm-up, ${CONNECTIONS} connections at a fixed rate (${Object.entries(RATES).map(([route, rate]) => `${route} ${rate}/s`).join(', ')}), V8's sampling profiler every 100 µs`);
  await createFixtureTables(DATABASE_URL);
  const modes = COMPARED.map((name) => MODES.find((mode) => mode.name === name));
  await clearCacheNamespaces(REDIS_URL, modes.map((mode) => `loadbench-${mode.name}`));
  const folder = mkdtempSync(path.join(os.tmpdir(), 'spanlens-cpu-time-'));
  const sink = await ListeningProcess.start('otlp sink', [SINK_SCRIPT], process.env);
  try {
    for (const route of options.routes) {
      const runs = new Map(modes.map((mode) => [mode.name, []]));
      for (let round = 0; round < options.rounds; round++) {
        // Rotate which mode goes first, so that none always runs on a cooler or warmer machine.
        const order = modes.map((_, index) => modes[(index + round) % modes.length]);
        for (const mode of order) runs.get(mode.name).push(await profileRoute(mode, route, options.seconds, sink.url, folder));
      }
      printRoute(route, runs);
    }
  } finally {
    await sink.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  console.error(`\ncpu-time benchmark FAILED: ${error instanceof BenchmarkFailure ? error.message : (error?.stack ?? String(error))}`);
  process.exit(1);
}
