// Cost of the request statistics processor per database span, inside the real SDK: spans of a request
// (a server root and N query spans) through a TracerProvider with and without the processor; the
// difference is what spanlens adds (bookkeeping, fingerprint lookup, metrics, detection at the end).
//   npx tsc -p . && node --expose-gc bench/processor.bench.mjs
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { RequestStatisticsProcessor } from '../dist/src/processors/request-statistics-processor.js';
import { SqlFingerprinter } from '../dist/src/sql/fingerprinter.js';

const REQUEST_SIZES = [1, 10, 100];
const ROUNDS = 9;
const REQUESTS_PER_ROUND = { 1: 20000, 10: 4000, 100: 400 };

const LOOKUP = 'SELECT user_id FROM attendees WHERE meeting_id = $1';
const OTHERS = ['SELECT id, title FROM meetings WHERE owner_id = $1', 'UPDATE users SET seen_at = now() WHERE id = $1', 'BEGIN', 'COMMIT'];
const statementsOf = (size, literal) =>
  Array.from({ length: size }, (_, i) => (i % 2 === 0 ? (literal ? LOOKUP.replace('$1', String(literal())) : LOOKUP) : OTHERS[i % OTHERS.length]));

async function tracerWith(withProcessor) {
  if (!withProcessor) return { tracer: new TracerProvider({ spanProcessors: [] }).getTracer('bench') };
  const fingerprinter = new SqlFingerprinter();
  await fingerprinter.load();
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const processor = new RequestStatisticsProcessor({ slowQueryThresholdMs: 200, slowRequestThresholdMs: 1000, maxRoutes: 500, meterProvider, fingerprinter });
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
  const baseline = nsPerSpan(plain.tracer, size, same);
  const warm = nsPerSpan(spanlens.tracer, size, same);
  const newText = nsPerSpan(spanlens.tracer, size, fresh);
  rows.push([String(size), `${Math.round(baseline)} ns`, `${Math.round(warm - baseline)} ns`, `${Math.round(newText - baseline)} ns`]);
}

const header = ['queries/request', 'SDK span alone', 'spanlens, warm cache', 'spanlens, every statement new'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
console.log(`Added cost per database span inside the SDK, median of ${ROUNDS} rounds (node ${process.version})`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
