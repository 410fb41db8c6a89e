import { parser } from '@prometheus-io/lezer-promql';

/** The vector selectors of a PromQL expression (`spanlens_cache_operations_total{spanlens_cache_result="hit"}`). */
export function vectorSelectors(expr: string): string[] {
  const selectors: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL does not parse at ${cursor.from}: ${expr}`);
    if (cursor.type.name === 'VectorSelector') selectors.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return selectors;
}
