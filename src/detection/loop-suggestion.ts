import type { DetectionSpanKind } from './detection-span.js';

interface Statement {
  kind: DetectionSpanKind;
  summary: string;
  suggestion: string;
}

// The set-based form a statement's own suggestion spells out (`… = ANY($1)`, `unnest(…)`, `getMany(…)`).
const BATCHED_FORM = /`([^`]*(?:ANY\(\$1\)|unnest\(|Many\()[^`]*)`/;

/**
 * The one fix for a loop that runs `statements` for each of `iterations` items: load what the body
 * needs for all items before the loop, one batched statement per shape (or eager loading), then read
 * it from memory inside the loop.
 */
export function suggestLoopBatching(iterations: number, statements: readonly Statement[]): string {
  const forms = statements.map(batchedFormOf);
  const roundTrips = statements.length;
  return (
    `Load what the loop needs for all ${iterations} items before it — ${forms.join('; ')} — or eager-load the ` +
    `related rows (a JOIN, an ORM include), then look them up in memory inside the loop: ` +
    `${roundTrips} round trips instead of ${roundTrips * iterations}.`
  );
}

function batchedFormOf(statement: Statement): string {
  if (statement.kind === 'http') return `one batch request instead of \`${statement.summary}\` per item`;
  const form = BATCHED_FORM.exec(statement.suggestion)?.[1];
  if (form === undefined) return `one \`${statement.summary}\` for all items`;
  // A bare filter (`= ANY($1)`) says little without the statement it belongs to.
  return form.startsWith('=') ? `one \`${statement.summary}\` with \`${form}\`` : `\`${form}\``;
}
