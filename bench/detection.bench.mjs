// Cost of N+1 detection per database span: fingerprint lookup (analyze), the record the span processor
// keeps, and grouping + detection at the request's end. Runs the built package:
//   npx tsc -p . && node --expose-gc bench/detection.bench.mjs
// (with --expose-gc, garbage from preparing a round is collected before the round is timed).
import { databaseSpanRecord } from '../dist/src/detection/detection-span.js';
import { NPlusOneDetector } from '../dist/src/detection/n-plus-one.js';
import { SqlFingerprinter } from '../dist/src/sql/fingerprinter.js';

const REQUEST_SIZES = [1, 10, 100];
const ROUNDS = 9;
const WARM_UP_ROUNDS = 3;
/** Each round of a scenario runs at least this long, so the timer's resolution does not matter. */
const MIN_ROUND_NS = 20_000_000n;

const LOOKUP = 'SELECT "id", "name", "email" FROM "attendees" WHERE "attendees"."meeting_id" = $1';
const USER_BY_ID = 'SELECT * FROM users WHERE id = $1 LIMIT 1';
const OTHERS = [
  'BEGIN',
  'SELECT m.id, m.title, u.name FROM meetings m JOIN users u ON u.id = m.owner_id WHERE m.starts_at > $1 ORDER BY m.starts_at LIMIT 20',
  'INSERT INTO audit_log (actor_id, action, payload) VALUES ($1, $2, $3)',
  'UPDATE meetings SET updated_at = now() WHERE id = $1',
  'COMMIT',
  'SELECT count(*) FROM attendees WHERE meeting_id IN ($1, $2, $3)',
  'WITH recent AS (SELECT * FROM meetings WHERE created_at > $1) SELECT * FROM recent JOIN rooms ON rooms.id = recent.room_id',
  'DELETE FROM sessions WHERE expires_at < $1',
];

/** The statements of a request of `size` queries: half one N+1 lookup, a quarter another, the rest mixed. */
function requestStatements(size, literal) {
  return Array.from({ length: size }, (_, i) => {
    if (i % 2 === 0) return literal === undefined ? LOOKUP : LOOKUP.replace('$1', String(literal()));
    if (i % 4 === 1) return literal === undefined ? USER_BY_ID : USER_BY_ID.replace('$1', String(literal()));
    return OTHERS[i % OTHERS.length];
  });
}

/** What the span processor does as each database span ends: analyze the statement, keep a record. */
function recordsOf(fingerprinter, statements) {
  const records = [];
  for (let i = 0; i < statements.length; i += 1) {
    const analysis = fingerprinter.analyze(statements[i]);
    const startMs = i * 0.5;
    const parentSpanId = i % 3 === 2 ? 'service' : 'handler';
    records.push(databaseSpanRecord({ spanId: `s${i}`, parentSpanId, startMs, endMs: startMs + 0.4 }, analysis));
  }
  return records;
}

/** One request: a record per span, then detection when the request ends. */
function runRequest(fingerprinter, detector, statements) {
  return detector.detect(recordsOf(fingerprinter, statements));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Median nanoseconds per span of `scenario`. `prepare(count)` builds the inputs of `count` requests
 * outside the timed region; `run(inputs, count)` runs them.
 */
async function measure(size, prepare, run) {
  // Untimed: the first calls compile the code paths (and tier up the WebAssembly).
  for (let i = 0; i < WARM_UP_ROUNDS; i += 1) run(await prepare(4), 4);
  let count = 1;
  // Find a request count that makes a round last at least MIN_ROUND_NS.
  for (;;) {
    const inputs = await prepare(count);
    const start = process.hrtime.bigint();
    run(inputs, count);
    if (process.hrtime.bigint() - start >= MIN_ROUND_NS || count >= 1 << 20) break;
    count *= 2;
  }
  const perSpan = [];
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round += 1) {
    const inputs = await prepare(count);
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    run(inputs, count);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (round >= WARM_UP_ROUNDS) perSpan.push(elapsed / (count * size));
  }
  return median(perSpan);
}

const detector = new NPlusOneDetector({ minRepeats: 5, minDurationMs: 0 });
let sink = 0;
const rows = [];

for (const size of REQUEST_SIZES) {
  const statements = requestStatements(size);

  // Warm: the statements were seen before, every analyze is a cache hit.
  const warmFingerprinter = new SqlFingerprinter();
  await warmFingerprinter.load();
  const warm = await measure(
    size,
    async () => null,
    (_, count) => {
      for (let r = 0; r < count; r += 1) sink += runRequest(warmFingerprinter, detector, statements).length;
    },
  );
  // Grouping and detection alone, on records kept beforehand.
  const records = recordsOf(warmFingerprinter, statements);
  const detectionOnly = await measure(
    size,
    async () => null,
    (_, count) => {
      for (let r = 0; r < count; r += 1) sink += detector.detect(records).length;
    },
  );
  // Cold: a new process's empty cache; each distinct statement of the request is parsed once.
  const cold = await measure(
    size,
    async (count) => {
      const fingerprinters = Array.from({ length: count }, () => new SqlFingerprinter());
      await Promise.all(fingerprinters.map((f) => f.load()));
      return fingerprinters;
    },
    (fingerprinters) => {
      for (const fingerprinter of fingerprinters) sink += runRequest(fingerprinter, detector, statements).length;
    },
  );
  // Every statement new (literals inlined, not parameters): every analyze parses.
  let literal = 1_000_000;
  const uniqueFingerprinter = new SqlFingerprinter();
  await uniqueFingerprinter.load();
  const unique = await measure(
    size,
    async (count) => Array.from({ length: count }, () => requestStatements(size, () => literal++)),
    (requests) => {
      for (const request of requests) sink += runRequest(uniqueFingerprinter, detector, request).length;
    },
  );
  // Parser not loaded (first moments after start-up, or load failed), every statement new: the fallback lexer.
  const fallbackFingerprinter = new SqlFingerprinter();
  const fallback = await measure(
    size,
    async (count) => Array.from({ length: count }, () => requestStatements(size, () => literal++)),
    (requests) => {
      for (const request of requests) sink += runRequest(fallbackFingerprinter, detector, request).length;
    },
  );
  rows.push({ size, warm, detectionOnly, cold, unique, fallback });
}

const format = (ns) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`);
const header = ['queries/request', 'warm cache', '(detection only)', 'cold cache', 'every statement new', 'new, no parser'];
const table = rows.map((r) => [String(r.size), format(r.warm), format(r.detectionOnly), format(r.cold), format(r.unique), format(r.fallback)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
console.log(`Per database span, median of ${ROUNDS} rounds (node ${process.version}, ${process.arch})`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
console.log(`(findings counted: ${sink})`);
