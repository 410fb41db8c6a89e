// CPU per request of an Express + pg app (test/fixtures/keep-traces-app.cjs: 95 % plain pages of three
// queries, 5 % N+1 pages of six) under four set-ups, run interleaved round after round:
//   plain SDK, exporting every trace (NodeSDK, OTLP http/protobuf to a local sink, Prometheus metrics);
//   spanlens at 10 % head sampling (parentbased_traceidratio 0.1, SPANLENS_RECORD_ALL default), keeping
//   N+1, slow and failed traces (SPANLENS_KEEP_TRACES default), and the same with SPANLENS_KEEP_TRACES=none;
//   spanlens exporting every trace.
// CPU is the app process's user + system time (/proc) over the measured requests, after a warm-up.
// Needs PostgreSQL on 127.0.0.1:5432 (database test). node bench/keep-traces.bench.mjs [rounds]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DATABASE_URL = process.env.SPANLENS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.argv[2] ?? 7);
const WARM_UP_REQUESTS = 1500;
const MEASURED_REQUESTS = 4000;
const CONCURRENCY = 8;
const TICKS_PER_SECOND = 100;

const SETUPS = {
  'plain SDK, export all': { preload: path.join(ROOT, 'bench/fixtures/plain-sdk.mjs'), env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_LOGS_EXPORTER: 'none' } },
  'spanlens 10 %, keep': { preload: path.join(ROOT, 'register.js'), env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  'spanlens 10 %, keep none': {
    preload: path.join(ROOT, 'register.js'),
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1', SPANLENS_KEEP_TRACES: 'none' },
  },
  'spanlens, export all': { preload: path.join(ROOT, 'register.js'), env: {} },
};

const schema = `spanlens_bench_${process.pid}`;
async function sql(text) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** An OTLP sink: answers every export, counts the bytes it was sent. */
function startSink() {
  let bytes = 0;
  const server = http.createServer((request, response) => {
    request.on('data', (chunk) => (bytes += chunk.length));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, bytes: () => bytes, reset: () => (bytes = 0), close: () => server.close() })),
  );
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function startApp(setup, sinkUrl) {
  const child = spawn(process.execPath, ['--import', setup.preload, path.join(ROOT, 'test/fixtures/keep-traces-app.cjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL,
      PGSCHEMA: schema,
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_SERVICE_NAME: 'keep-traces-bench',
      ...setup.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /"listening":\s*(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
  });
  return { child, port };
}

/** Sends `count` requests, `CONCURRENCY` at a time; every 20th is the N+1 page. */
async function load(port, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const get = (pathname) =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: pathname, agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await get(i % 20 === 0 ? `/meetings/${1 + (i % 40)}/attendees-one-by-one` : `/meetings/${1 + (i % 50)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

await sql(`
  CREATE SCHEMA ${schema};
  SET search_path TO ${schema};
  CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
  CREATE TABLE meetings (id int PRIMARY KEY, title text NOT NULL, owner_id int NOT NULL REFERENCES users(id));
  CREATE TABLE attendees (meeting_id int NOT NULL REFERENCES meetings(id), user_id int NOT NULL REFERENCES users(id), PRIMARY KEY (meeting_id, user_id));
  INSERT INTO users SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 20) AS i;
  INSERT INTO meetings SELECT i, 'Meeting ' || i, 1 + i % 20 FROM generate_series(1, 50) AS i;
  INSERT INTO attendees SELECT m, 1 + (m + k) % 20 FROM generate_series(1, 50) AS m, generate_series(1, 3) AS k;
`);
const sink = await startSink();
const results = Object.fromEntries(Object.keys(SETUPS).map((name) => [name, { cpuMsPerRequest: [], bytesPerRequest: [], statsExact: true }]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, setup] of Object.entries(SETUPS)) {
      const { child, port } = await startApp(setup, sink.url);
      await load(port, WARM_UP_REQUESTS);
      await new Promise((resolve) => setTimeout(resolve, 300));
      sink.reset();
      const before = cpuSeconds(child.pid);
      await load(port, MEASURED_REQUESTS);
      const cpu = cpuSeconds(child.pid) - before;
      if (name.startsWith('spanlens')) {
        // A server span ends a moment after its response is sent: give the last requests a moment.
        const metricsPort = await metricsPortOf(child.pid, port);
        let counted;
        for (let attempt = 0; attempt < 20 && counted !== WARM_UP_REQUESTS + MEASURED_REQUESTS; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          counted = (await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()).requests;
        }
        if (counted !== WARM_UP_REQUESTS + MEASURED_REQUESTS) {
          results[name].statsExact = false;
          process.stderr.write(`${name}: /stats counted ${counted} requests of ${WARM_UP_REQUESTS + MEASURED_REQUESTS}\n`);
        }
      }
      await stop(child);
      results[name].cpuMsPerRequest.push((cpu * 1000) / MEASURED_REQUESTS);
      results[name].bytesPerRequest.push(sink.bytes() / MEASURED_REQUESTS);
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
} finally {
  sink.close();
  await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/**
 * The port the app's metrics server listens on (port 0 picks one): the listening socket of that process
 * besides the app's own (a probe of the app's port would be a request /stats counts).
 */
async function metricsPortOf(pid, appPort) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match) inodes.add(match[1]);
    } catch {}
  }
  const ports = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    const port = parseInt(columns[1]?.split(':')[1], 16);
    if (columns[3] === '0A' && inodes.has(columns[9]) && port !== appPort) ports.push(port);
  }
  for (const port of ports) {
    const answer = await fetch(`http://127.0.0.1:${port}/stats`).catch(() => undefined);
    if (answer?.ok) return port;
  }
  throw new Error('no /stats port found');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const baseline = median(results['plain SDK, export all'].cpuMsPerRequest);
console.log(`CPU per request, median of ${ROUNDS} interleaved rounds of ${MEASURED_REQUESTS} requests (node ${process.version})`);
console.log('| set-up | CPU ms/request | × plain SDK | exported bytes/request | /stats exact |');
console.log('|---|---:|---:|---:|---|');
for (const [name, result] of Object.entries(results)) {
  const cpu = median(result.cpuMsPerRequest);
  const exact = name.startsWith('spanlens') ? (result.statsExact ? 'yes' : 'NO') : '—';
  console.log(`| ${name} | ${cpu.toFixed(3)} | ${(cpu / baseline).toFixed(2)} | ${Math.round(median(result.bytesPerRequest))} | ${exact} |`);
}
console.log(`rounds (CPU ms/request): ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.cpuMsPerRequest.map((v) => +v.toFixed(3))])))}`);
