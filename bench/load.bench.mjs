// The load benchmark: the same Express + pg + keyv app (bench/load/fixture-app.mjs) bare, with a plain
// NodeSDK (bench/load/plain-sdk.mjs), with spanlens and with spanlens at 10 % sampling, one long-lived
// process per mode, loaded by autocannon with fixed connections and duration on four routes (1 query,
// 10 queries, a 20-repeat N+1, a keyv cache-aside on Redis). Warm-up is discarded; modes are interleaved
// and rotated round by round, so that the rounds show the noise. Prints a table per route (requests/s,
// p50/p99, CPU per request, RSS trough–peak, spans exported per request, ratios against the plain SDK
// and the bare app), start-up time and idle RSS per mode, and the issue's goals against the figures.
// `--soak 180` instead runs one mode at full load for 3 minutes and prints its RSS every 10 s.
// Needs PostgreSQL (database test) and Redis as the tests do, and the built package:
//   npx tsc -p . && node bench/load.bench.mjs [--quick] [--help]
// Exits 1 if any mode fails to start, exits, answers anything but 200 or answers differently.
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BenchmarkFailure } from './load/benchmark-failure.mjs';
import { clearCacheNamespaces } from './load/fixture-cache.mjs';
import { createFixtureTables } from './load/fixture-database.mjs';
import { ListeningProcess } from './load/listening-process.mjs';
import { failureOf, runLoad } from './load/load-run.mjs';
import { environmentOf, FIXTURE_APP, MODES } from './load/modes.mjs';
import { readOptions, usage } from './load/options.mjs';
import { rssMiBOf } from './load/process-meter.mjs';
import { goalLines, routeTables, spanNamesTable, startupTable, summarize } from './load/results-table.mjs';
import { runSoak } from './load/soak.mjs';
import { SpanAttribution } from './load/span-attribution.mjs';
import { quantileOfSorted } from './load/statistics.mjs';
import { measureStartup } from './load/startup-time.mjs';

const DATABASE_URL = process.env.LOADBENCH_DATABASE_URL ?? process.env.SPANLENS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.LOADBENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SINK_SCRIPT = fileURLToPath(new URL('./load/otlp-sink.mjs', import.meta.url));
const BUILT_PRELOAD = fileURLToPath(new URL('../dist/src/preload/register-esm.js', import.meta.url));
// One fixed id per route for the answers compared across modes.
const COMPARED_ID = 7;

const started = new Set();
const progress = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopAll() {
  await Promise.all([...started].map((child) => child.stop()));
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startProcess(name, args, env) {
  const child = await ListeningProcess.start(name, args, env);
  started.add(child);
  return child;
}

/** Fails unless the process is still running: a mode that died must not go on as an empty row. */
function ensureAlive(child) {
  if (child.exited) throw new BenchmarkFailure(`${child.name} exited (${child.exit}) during the benchmark${child.stderrNote()}`);
}

function machineLine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`;
}

/** Minimum RSS of each process over `seconds` of idling, sampled every 100 ms (a foreign process cannot be made to collect garbage). */
async function idleRss(processes, seconds) {
  const minimum = {};
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (const [mode, child] of processes) {
      ensureAlive(child);
      minimum[mode] = Math.min(minimum[mode] ?? Infinity, rssMiBOf(child.pid));
    }
    await sleep(100);
  }
  return minimum;
}

/** Every mode answers each route with a 200 and the same body as the first mode, for the same id. */
async function compareAnswers(processes, routes) {
  for (const route of routes) {
    let reference;
    for (const [mode, child] of processes) {
      const response = await fetch(`${child.url}${route}?id=${COMPARED_ID}`);
      const body = await response.text();
      if (response.status !== 200) throw new BenchmarkFailure(`${child.name} answered ${route} with ${response.status}: ${body.slice(0, 500)}${child.stderrNote()}`);
      if (reference === undefined) reference = { mode, body };
      else if (body !== reference.body) {
        throw new BenchmarkFailure(`${child.name} answered ${route} differently from ${reference.mode}:\n  ${body.slice(0, 300)}\n  ${reference.body.slice(0, 300)}`);
      }
    }
  }
}

async function loadOnce(child, route, seconds, connections, { measured = false } = {}) {
  ensureAlive(child);
  const run = await runLoad(child, { paths: [route], connections, seconds });
  ensureAlive(child);
  const failure = failureOf(run, { measured });
  if (failure !== undefined) throw new BenchmarkFailure(`${child.name} on ${route}: ${failure}${child.stderrNote()}`);
  return run;
}

async function compareModes(options, modes, environments, sink) {
  const routes = options.routes;
  const perRun = options.warmup + options.seconds;
  // Seconds per start-up and per run beyond its load, as measured on the loaded 2-core development machine.
  const estimate = (options.startupRuns + 1) * modes.length * 2 + routes.length * modes.length * (options.initialWarmup + options.rounds * (perRun + 0.9)) + options.idleSeconds + 20;
  progress(`load benchmark: about ${Math.ceil(estimate / 60)} min (${options.rounds} rounds × ${routes.length} routes × ${modes.length} modes × ${options.warmup} s warm-up + ${options.seconds} s)`);

  const startupSeconds = await measureStartup(modes, (mode) => environments.get(mode.name), options.startupRuns);
  progress(`start-up measured (${options.startupRuns} runs per mode)`);

  const processes = new Map();
  for (const mode of modes) processes.set(mode.name, await startProcess(mode.label, [...mode.preload, FIXTURE_APP], environments.get(mode.name)));
  await sleep(1000);
  const idleRssMiB = await idleRss(processes, options.idleSeconds);

  const attribution = new SpanAttribution(sink.url, (mode) => processes.get(mode).served());
  for (const mode of processes.keys()) await attribution.runStarts(mode, null);
  await compareAnswers(processes, routes);
  for (const mode of processes.keys()) attribution.runEnds(mode);

  for (const route of routes) {
    for (const [mode, child] of processes) {
      if (options.initialWarmup === 0) continue;
      await attribution.runStarts(mode, route);
      await loadOnce(child, route, options.initialWarmup, options.connections);
      attribution.runEnds(mode);
    }
  }
  progress('warmed up');

  const runs = [];
  const names = [...processes.keys()];
  for (let round = 0; round < options.rounds; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    for (const route of routes) {
      for (const mode of order) {
        const child = processes.get(mode);
        await attribution.runStarts(mode, route);
        if (options.warmup > 0) await loadOnce(child, route, options.warmup, options.connections);
        const run = await loadOnce(child, route, options.seconds, options.connections, { measured: true });
        attribution.runEnds(mode);
        runs.push({
          round,
          route,
          mode,
          responses: run.responses,
          served: run.served,
          requestsPerSecond: run.requestsPerSecond,
          p50Ms: quantileOfSorted(run.responseTimesMs, 0.5),
          p99Ms: quantileOfSorted(run.responseTimesMs, 0.99),
          cpuMsPerRequest: run.cpuMsPerRequest,
          troughMiB: run.troughMiB,
          peakMiB: run.peakMiB,
        });
        progress(
          `round ${round + 1}/${options.rounds} ${route.padEnd(11)} ${mode.padEnd(11)} ${run.requestsPerSecond.toFixed(0).padStart(5)} req/s  ` +
            `${run.cpuMsPerRequest?.toFixed(3) ?? '—'} ms CPU/req  RSS ${run.troughMiB.toFixed(0)}–${run.peakMiB.toFixed(0)} MiB`,
        );
      }
    }
  }

  progress('waiting for the last spans to reach the sink');
  const counts = await attribution.finish();
  const undecodable = Object.entries(counts.undecodable);
  if (undecodable.length > 0) throw new BenchmarkFailure(`the sink could not decode exports of ${undecodable.map(([mode, count]) => `${mode} (${count})`).join(', ')}`);
  const spans = {};
  for (const mode of names) {
    spans[mode] = Object.fromEntries(routes.map((route) => [route, attribution.totalOf(mode, route)]));
    const exported = counts.spans[mode] ?? 0;
    const expected = MODES.find((known) => known.name === mode).exportsSpans;
    if (expected && exported === 0) throw new BenchmarkFailure(`${processes.get(mode).name} exported no spans${processes.get(mode).stderrNote()}`);
    if (!expected && exported > 0) throw new BenchmarkFailure(`${processes.get(mode).name} exported ${exported} spans; it should export none`);
  }
  // spanlens must have seen the load it was measured under, or it was not running at all.
  const seen = {};
  for (const mode of names.filter((name) => name.startsWith('spanlens'))) {
    const port = environments.get(mode).OTEL_EXPORTER_PROMETHEUS_PORT;
    const response = await fetch(`http://127.0.0.1:${port}/stats`).catch((error) => ({ status: String(error) }));
    if (response.status !== 200) throw new BenchmarkFailure(`${processes.get(mode).name} does not serve /stats (${response.status})`);
    seen[mode] = { counted: (await response.json()).requests, served: await processes.get(mode).served() };
    if (!(seen[mode].counted > 0)) throw new BenchmarkFailure(`${processes.get(mode).name} saw no requests in /stats`);
  }

  const results = { settings: { ...options, modes: names }, startupSeconds, idleRssMiB, runs, spans, spanNames: counts.names, spanlensRequestsSeen: seen, stderr: {} };
  for (const [mode, child] of processes) if (child.stderr.trim() !== '') results.stderr[mode] = child.stderr.trim();
  return results;
}

function printComparison(results, header) {
  const summaries = summarize(results);
  console.log(header);
  console.log(
    `${results.settings.rounds} rounds × ${results.settings.seconds} s per mode and route after ${results.settings.warmup} s of discarded warm-up, ` +
      `${results.settings.connections} connections; median over rounds (min–max); ratios are medians of per-round ratios; ` +
      `p50/p99 from every response time; RSS is the lowest trough–highest peak while loaded.\n`,
  );
  console.log(routeTables(results, summaries));
  console.log(`\nStart-up of an empty script (median of ${results.settings.startupRuns} (min–max)) and idle RSS after start-up (lowest over ${results.settings.idleSeconds} s)`);
  console.log(startupTable(results));
  for (const [mode, { counted, served }] of Object.entries(results.spanlensRequestsSeen)) {
    console.log(`\n${mode} counted ${counted} requests in /stats; the app served ${served}.`);
  }
  console.log(`\nSpans exported by name, all routes, per request sent (the same instrumentations should give the same spans)`);
  console.log(spanNamesTable(results));
  // Other work on the machine moves every figure: say how busy it was when the runs ended, too.
  console.log(`\nLoad average at the end: ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
  const goals = goalLines(results, summaries);
  if (goals.length > 0) console.log(`\nGoals of issue 11 (one run on a shared machine: read with the ranges above)\n${goals.map((line) => `- ${line}`).join('\n')}`);
  for (const [mode, text] of Object.entries(results.stderr)) console.log(`\nstderr of ${mode}:\n${text.split('\n').slice(0, 20).join('\n')}`);
  return summaries;
}

async function soak(options, environments, header) {
  const mode = MODES.find((known) => known.name === options.soakMode);
  const child = await startProcess(mode.label, [...mode.preload, FIXTURE_APP], environments.get(mode.name));
  await compareAnswers(new Map([[mode.name, child]]), options.routes);
  console.log(header);
  console.log(
    `Soak: ${mode.label}, ${options.soak} s of full load, ${options.connections} connections each cycling through ${options.routes.join(', ')}; ` +
      `RSS trough and peak per 10 s`,
  );
  const result = await runSoak(child, { seconds: options.soak, connections: options.connections, paths: options.routes, print: (line) => console.log(line) });
  ensureAlive(child);
  const others = Object.entries(result.statusCounts).filter(([code]) => code !== '200');
  if (others.length > 0 || result.errors > 0) {
    throw new BenchmarkFailure(`${mode.label} answered ${others.map(([code, count]) => `${count} × ${code}`).join(', ') || 'only 200'} with ${result.errors} request errors${child.stderrNote()}`);
  }
  if (result.peak === undefined) {
    console.log(`\nToo short to compare after the ${result.warmupSeconds} s warm-up.`);
  } else {
    const percent = (value) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
    console.log(
      `\nAfter the ${result.warmupSeconds.toFixed(0)} s warm-up, highest of the first ${result.comparedWindows} windows → of the last ${result.comparedWindows}: ` +
        `peak ${result.peak.first.toFixed(1)} → ${result.peak.last.toFixed(1)} MiB (${percent(result.peak.growth)}), ` +
        `trough ${result.trough.first.toFixed(1)} → ${result.trough.last.toFixed(1)} MiB (${percent(result.trough.growth)}); ` +
        `goal growth < 10 %: ${result.peak.growth < 0.1 ? 'met' : 'MISSED'}`,
    );
  }
  if (child.stderr.trim() !== '') console.log(`\nstderr of ${mode.name}:\n${child.stderr.trim().split('\n').slice(0, 20).join('\n')}`);
  return { settings: options, soak: result };
}

async function main() {
  let options;
  try {
    options = readOptions();
  } catch (error) {
    throw new BenchmarkFailure(error.message);
  }
  if (options.help) {
    console.log(usage());
    return;
  }
  if (!existsSync(BUILT_PRELOAD)) throw new BenchmarkFailure('spanlens is not built: run npx tsc -p tsconfig.json (npm run bench builds it)');
  const header = `Load benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${machineLine()}`;
  progress(header);

  try {
    await createFixtureTables(DATABASE_URL);
  } catch (error) {
    throw new BenchmarkFailure(`cannot create the bench_ tables in ${DATABASE_URL}: ${String(error)}`);
  }
  const modes = options.soak > 0 ? MODES.filter((mode) => mode.name === options.soakMode) : MODES.filter((mode) => options.modes.includes(mode.name));
  try {
    await clearCacheNamespaces(REDIS_URL, modes.map((mode) => `loadbench-${mode.name}`));
  } catch (error) {
    throw new BenchmarkFailure(`cannot reach Redis at ${REDIS_URL}: ${String(error)}`);
  }
  const sink = await startProcess('otlp sink', [SINK_SCRIPT], process.env);
  const environments = new Map();
  for (const mode of modes) {
    environments.set(mode.name, environmentOf(mode, { sinkUrl: sink.url, prometheusPort: await freePort(), databaseUrl: DATABASE_URL, redisUrl: REDIS_URL }));
  }

  const results = options.soak > 0 ? await soak(options, environments, header) : await compareModes(options, modes, environments, sink);
  if (options.soak === 0) printComparison(results, header);
  if (options.save) writeFileSync(options.save, `${JSON.stringify({ header, ...results }, null, 2)}\n`);
}

try {
  await main();
  await stopAll();
} catch (error) {
  console.error(`\nload benchmark FAILED: ${error instanceof BenchmarkFailure ? error.message : (error?.stack ?? String(error))}`);
  await stopAll();
  process.exit(1);
}
