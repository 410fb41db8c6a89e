/** Summaries are metric labels: bounded in length and in number. */
export const MAX_SUMMARY_LENGTH = 120;
export const MAX_DISTINCT_SUMMARIES = 1000;

const OPERATION = /^\s*(?:\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*([A-Za-z]+)/;
const TARGET = /\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?)/i;

/**
 * A low-cardinality summary of a statement, in the shape of semconv's `db.query.summary`
 * (`SELECT meetings`): the operation and the first table it touches, never a literal value.
 */
export function summarizeQuery(text: string): string {
  const operation = OPERATION.exec(text)?.[1]?.toUpperCase();
  if (operation === undefined) return 'UNKNOWN';
  const target = TARGET.exec(text)?.[1]?.replaceAll('"', '');
  const summary = target === undefined ? operation : `${operation} ${target}`;
  return summary.slice(0, MAX_SUMMARY_LENGTH);
}
