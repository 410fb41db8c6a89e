// Cost of fingerprinting one very long statement (over MAX_PARSED_STATEMENT_LENGTH, so the lexer-based
// fallback reads all of it): time on the event loop and the heap it allocates while doing so.
//   npx tsc -p . && node --expose-gc bench/long-statements.bench.mjs
import { SqlFingerprinter } from '../dist/src/sql/fingerprinter.js';

const MEGABYTE = 1024 * 1024;
const ROUNDS = 5;

function repeatUntil(length, piece, separator) {
  const count = Math.ceil(length / (piece(0).length + separator.length));
  return Array.from({ length: count }, (_, i) => piece(i)).join(separator);
}

/** The megabyte statements of the fault suite (test/fixtures/faults/statements.cjs), and the worst case. */
const STATEMENTS = {
  'IN list of 150,000 ids': `SELECT count(*) FROM users WHERE id IN (${repeatUntil(MEGABYTE, (i) => String(100000 + i), ', ')})`,
  'one literal': `SELECT length('${'x'.repeat(MEGABYTE)}')`,
  'bulk INSERT, 70,000 rows': `INSERT INTO audit_log (user_id, action) VALUES ${repeatUntil(MEGABYTE, (i) => `(${1 + (i % 20)}, 'bulk ${i % 1000}')`, ', ')}`,
  'open parentheses (one token a byte)': `SELECT ${'('.repeat(MEGABYTE)}`,
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const fingerprinter = new SqlFingerprinter();
await fingerprinter.load();
console.log(`One 1 MiB statement through SqlFingerprinter.analyze, median of ${ROUNDS} rounds (node ${process.version})`);
console.log('| statement | time | heap growth |');
console.log('|-----------|------|-------------|');
for (const [name, sql] of Object.entries(STATEMENTS)) {
  const times = [];
  const heaps = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = process.hrtime.bigint();
    const analysis = fingerprinter.analyze(sql);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    // A lower bound of what the analysis held at once: garbage collected meanwhile is not counted.
    heaps.push((process.memoryUsage().heapUsed - heapBefore) / MEGABYTE);
    if (analysis.fingerprint.length === 0) throw new Error('no fingerprint');
  }
  console.log(`| ${name} | ${median(times).toFixed(0)} ms | ${median(heaps).toFixed(0)} MiB |`);
}
