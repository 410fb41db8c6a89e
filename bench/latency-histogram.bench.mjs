// Cost of the per-endpoint latency histograms of `/stats`, for 500 endpoints (the default SPANLENS_MAX_ROUTES):
// record() per request, one `/stats` snapshot (p50, p95, p99 of every endpoint), a cluster merge (encode,
// decode, add of every endpoint), the memory the 500 histograms hold, and what importing the module costs.
//   npx tsc -p . && node --expose-gc bench/latency-histogram.bench.mjs [path of a latency-histogram.js]
// The optional path compares another implementation with the same surface (an older build, say).
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENDPOINTS = 500;
const RECORDS = 2_000_000;
const ROUNDS = 7;

const modulePath = process.argv[2] ?? fileURLToPath(new URL('../dist/src/stats/latency-histogram.js', import.meta.url));

if (process.argv[3] === '--import-cost') {
  // In a fresh process: heap and RSS after GC, before and after importing the module.
  globalThis.gc();
  const before = process.memoryUsage();
  const start = performance.now();
  await import(pathToFileURL(modulePath).href);
  const importMs = performance.now() - start;
  globalThis.gc();
  const after = process.memoryUsage();
  console.log(JSON.stringify({ importMs, rssMiB: (after.rss - before.rss) / 2 ** 20, heapMiB: (after.heapUsed - before.heapUsed) / 2 ** 20 }));
  process.exit(0);
}

const { LatencyHistogram } = await import(pathToFileURL(modulePath).href);

/** Latencies as a web app has them: log-normal around 8 ms, a tail to seconds, a few sub-millisecond ones. */
function durations(count) {
  const values = new Float64Array(count);
  let seed = 12345;
  const uniform = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) + 1) / (2 ** 31 + 1);
  for (let i = 0; i < count; i++) {
    const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    values[i] = Math.exp(Math.log(8) + 1.2 * normal);
  }
  return values;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function timed(work) {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start);
}

const values = durations(RECORDS);
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const histograms = Array.from({ length: ENDPOINTS }, () => new LatencyHistogram());

const recordNs = [];
const snapshotMs = [];
const mergeMs = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const elapsed = timed(() => {
    for (let i = 0; i < RECORDS; i++) histograms[i % ENDPOINTS].record(values[i]);
  });
  let sink = 0;
  const snapshot = timed(() => {
    for (const histogram of histograms) sink += histogram.percentileMs(50) + histogram.percentileMs(95) + histogram.percentileMs(99);
  });
  const merge = timed(() => {
    const total = new LatencyHistogram();
    for (const histogram of histograms) total.add(LatencyHistogram.decode(JSON.parse(JSON.stringify(histogram.encode()))));
    sink += total.percentileMs(99);
  });
  if (sink < 0) console.log(sink);
  if (round === 0) continue; // warm-up
  recordNs.push(elapsed / RECORDS);
  snapshotMs.push(snapshot / 1e6);
  mergeMs.push(merge / 1e6);
}
globalThis.gc?.();
const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const footprint = histograms.reduce((sum, histogram) => sum + histogram.estimatedFootprintInBytes, 0);
const encodedBytes = histograms.reduce((sum, histogram) => sum + histogram.encode().length, 0);

const importCosts = Array.from({ length: 5 }, () =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), modulePath, '--import-cost'], { encoding: 'utf8' })),
);

console.log(`latency histograms: ${ENDPOINTS} endpoints, ${RECORDS.toLocaleString('en')} durations a round, median of ${ROUNDS} rounds`);
console.log(`module: ${modulePath}`);
console.table({
  'record()': { value: median(recordNs).toFixed(1), unit: 'ns per duration' },
  '/stats snapshot (p50, p95, p99 × 500)': { value: median(snapshotMs).toFixed(2), unit: 'ms' },
  'cluster merge (encode, JSON, decode, add × 500)': { value: median(mergeMs).toFixed(2), unit: 'ms' },
  'encoded size, 500 endpoints': { value: (encodedBytes / 1024).toFixed(1), unit: 'KiB' },
  'estimatedFootprintInBytes, 500 endpoints': { value: (footprint / 1024).toFixed(1), unit: 'KiB' },
  'heap + array buffers held, 500 endpoints': { value: ((heapAfter - heapBefore) / 1024).toFixed(1), unit: 'KiB' },
  'import (fresh process)': { value: median(importCosts.map((cost) => cost.importMs)).toFixed(1), unit: 'ms' },
  'RSS added by the import': { value: median(importCosts.map((cost) => cost.rssMiB)).toFixed(1), unit: 'MiB' },
});
