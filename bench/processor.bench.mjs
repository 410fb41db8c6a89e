// Cost of the request statistics processor per database span, inside the real SDK: spans of a request
// (a server root and N query spans) through a TracerProvider with and without the processor; the
// difference is what spanlens adds (bookkeeping, fingerprint lookup, metrics, detection at the end).
// Requests of 10 and 100 queries hold one N+1, whose call site is captured once per request; the last
// column leaves that capture out, and a second table measures the capture itself.
//   npx tsc -p . && node --expose-gc bench/processor.bench.mjs
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { fileURLToPath } from 'node:url';
import { CallSiteFinder } from '../dist/src/call-sites/call-site.js';
import { RequestStatisticsProcessor } from '../dist/src/processors/request-statistics-processor.js';
import { SqlFingerprinter } from '../dist/src/sql/fingerprinter.js';

const REQUEST_SIZES = [1, 10, 100];
const ROUNDS = 9;
const REQUESTS_PER_ROUND = { 1: 20000, 10: 4000, 100: 400 };

const LOOKUP = 'SELECT user_id FROM attendees WHERE meeting_id = $1';
const OTHERS = ['SELECT id, title FROM meetings WHERE owner_id = $1', 'UPDATE users SET seen_at = now() WHERE id = $1', 'BEGIN', 'COMMIT'];
const statementsOf = (size, literal) =>
  Array.from({ length: size }, (_, i) => (i % 2 === 0 ? (literal ? LOOKUP.replace('$1', String(literal())) : LOOKUP) : OTHERS[i % OTHERS.length]));

/** A finder that never captures: what the processor costs without the once-per-group stack capture. */
class NoCapture extends CallSiteFinder {
  capture() {
    return null;
  }
}

async function tracerWith(withProcessor, callSiteFinder) {
  if (!withProcessor) return { tracer: new TracerProvider({ spanProcessors: [] }).getTracer('bench') };
  const fingerprinter = new SqlFingerprinter();
  await fingerprinter.load();
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const processor = new RequestStatisticsProcessor({ slowQueryThresholdMs: 200, slowRequestThresholdMs: 1000, maxRoutes: 500, meterProvider, fingerprinter, callSiteFinder });
  return { tracer: new TracerProvider({ spanProcessors: [processor] }).getTracer('bench') };
}

function runRequest(tracer, statements) {
  const root = tracer.startSpan('GET /meetings/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/meetings/:id' } }, ROOT_CONTEXT);
  const context = trace.setSpan(ROOT_CONTEXT, root);
  for (const text of statements) {
    tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } }, context).end();
  }
  root.end();
}

function nsPerSpan(tracer, size, requests) {
  const perSpan = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    const batch = requests();
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    for (const statements of batch) runRequest(tracer, statements);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (round >= 2) perSpan.push(elapsed / (batch.length * size));
  }
  return perSpan.sort((a, b) => a - b)[Math.floor(perSpan.length / 2)];
}

const rows = [];
let literal = 1;
for (const size of REQUEST_SIZES) {
  const count = REQUESTS_PER_ROUND[size];
  const same = () => Array.from({ length: count }, () => statementsOf(size));
  const fresh = () => Array.from({ length: count }, () => statementsOf(size, () => literal++));
  const plain = await tracerWith(false);
  const spanlens = await tracerWith(true);
  const withoutCapture = await tracerWith(true, new NoCapture());
  const baseline = nsPerSpan(plain.tracer, size, same);
  const warm = nsPerSpan(spanlens.tracer, size, same);
  const newText = nsPerSpan(spanlens.tracer, size, fresh);
  const warmWithoutCapture = nsPerSpan(withoutCapture.tracer, size, same);
  rows.push([
    String(size),
    `${Math.round(baseline)} ns`,
    `${Math.round(warm - baseline)} ns`,
    `${Math.round(newText - baseline)} ns`,
    `${Math.round(warmWithoutCapture - baseline)} ns`,
  ]);
}

const header = ['queries/request', 'SDK span alone', 'spanlens, warm cache', 'spanlens, every statement new', 'warm, no call-site capture'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
console.log(`Added cost per database span inside the SDK, median of ${ROUNDS} rounds (node ${process.version})`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));

// The call-site capture, paid once per N+1 group per request: a stack capture of at most 64 structured
// frames, searched for the app's frame. Its cost grows with the depth of the stack.
const BENCH_DIRECTORY = fileURLToPath(new URL('.', import.meta.url));
function deepStack(depth, finder) {
  return depth === 0 ? finder.capture() : deepStack(depth - 1, finder);
}
// This file stands for the app, or with the second finder for library code that hides the app.
const appFinder = new CallSiteFinder([]);
const noAppFinder = new CallSiteFinder([BENCH_DIRECTORY]);
const captureRows = [];
for (const [label, depth, finder] of [
  ['stack 10 frames deep (pg pool.query)', 10, appFinder],
  ['stack 40 frames deep (fetch)', 40, appFinder],
  ['stack past 64 frames, no app frame', 80, noAppFinder],
]) {
  const perCapture = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    const count = 2000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) deepStack(depth, finder);
    if (round >= 2) perCapture.push(Number(process.hrtime.bigint() - start) / count);
  }
  captureRows.push([label, `${(perCapture.sort((a, b) => a - b)[Math.floor(perCapture.length / 2)] / 1000).toFixed(1)} µs`]);
}
console.log(`Call-site capture, once per N+1 group per request, median of ${ROUNDS} rounds`);
const captureWidths = [Math.max(...captureRows.map((row) => row[0].length)), Math.max(...captureRows.map((row) => row[1].length))];
for (const [label, cost] of captureRows) console.log(`| ${label.padEnd(captureWidths[0])} | ${cost.padStart(captureWidths[1])} |`);
