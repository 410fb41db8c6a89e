// What SPANLENS_KEEP_TRACES adds per span inside the real SDK: requests of one server root and 11 child
// spans through a TracerProvider whose exporting processor is a BatchSpanProcessor (with an exporter that
// discards), with and without the KeptTraceProcessor in front of it.
//   dropped: the sampler drops the trace (spans recorded only) and the request is plain, so its spans are
//            held until the root ends and let go: the 90 % path at 10 % sampling;
//   kept:    the same, but the root failed, so the spans are handed to the batch processor;
//   sampled: every trace sampled: the keeper only passes spans through.
//   npx tsc -p . && node --expose-gc bench/kept-trace-processor.bench.mjs
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, TracerProvider, createAlwaysRecordSampler } from '@opentelemetry/sdk-trace';
import { KeptTraceProcessor } from '../dist/src/processors/kept-trace-processor.js';

const ROUNDS = 15;
const REQUESTS = 5_000;
const CHILDREN = 11;

const discarding = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };

function tracerWith(sampler, keeping) {
  // A queue that never fills within a round: the batch processor's own cost, not its dropping.
  const batch = new BatchSpanProcessor({ exporter: discarding, maxQueueSize: 1 << 20, maxExportBatchSize: 1 << 20, scheduledDelayMillis: 60_000 });
  const processor = keeping ? new KeptTraceProcessor([batch], ['n_plus_one', 'slow', 'error']) : batch;
  return { tracer: new TracerProvider({ sampler, spanProcessors: [processor] }).getTracer('bench'), flush: () => batch.forceFlush() };
}

function runRequest(tracer, failed) {
  const root = tracer.startSpan('GET /meetings/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/meetings/:id' } }, ROOT_CONTEXT);
  const context = trace.setSpan(ROOT_CONTEXT, root);
  for (let i = 0; i < CHILDREN; i++) {
    tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' } }, context).end();
  }
  if (failed) root.setStatus({ code: SpanStatusCode.ERROR });
  root.end();
}

async function nsPerSpanOnce({ tracer, flush }, failed) {
  await flush();
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) runRequest(tracer, failed);
  return Number(process.hrtime.bigint() - start) / (REQUESTS * (CHILDREN + 1));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Without and with the keeper, alternating round by round (the machine is noisy): medians, and the median difference. */
async function compare(sampler, failed) {
  const without = tracerWith(sampler, false);
  const withKeeper = tracerWith(sampler, true);
  const a = [];
  const b = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    const first = round % 2 === 0;
    const x = await nsPerSpanOnce(first ? without : withKeeper, failed);
    const y = await nsPerSpanOnce(first ? withKeeper : without, failed);
    if (round < 2) continue;
    a.push(first ? x : y);
    b.push(first ? y : x);
  }
  return { without: median(a), withKeeper: median(b), added: median(a.map((value, i) => b[i] - value)) };
}

const dropping = createAlwaysRecordSampler(new AlwaysOffSampler());
const rows = [];
for (const [label, sampler, failed] of [
  ['dropped (plain request, trace not sampled)', dropping, false],
  ['kept (failed request, trace not sampled)', dropping, true],
  ['sampled', new AlwaysOnSampler(), false],
]) {
  const { without, withKeeper, added } = await compare(sampler, failed);
  rows.push([label, `${Math.round(without)} ns`, `${Math.round(withKeeper)} ns`, `${Math.round(added)} ns`]);
}
const header = ['path', 'SDK + batch processor', 'with the keeper', 'added (median of round differences)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`Cost per span, requests of 1 root + ${CHILDREN} children, median of ${ROUNDS} rounds (node ${process.version})`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
