import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PROMETHEUS } from './datasources.ts';

/** A range query drawn as one series per label set, named by `legend` (`{{http_route}}`). */
export function seriesTarget(refId: string, expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(PROMETHEUS).refId(refId).expr(expr).legendFormat(legend).range();
}

/** An instant query as a table: one row per label set, labels as columns, the value as `Value #<refId>`. */
export function tableTarget(refId: string, expr: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(PROMETHEUS).refId(refId).expr(expr).format(PromQueryFormat.Table).instant();
}

/** A range query of histogram buckets (`sum by (le)`) for a heatmap: one row per bucket bound. */
export function bucketsTarget(refId: string, expr: string): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(refId)
    .expr(expr)
    .legendFormat('{{le}}')
    .format(PromQueryFormat.Heatmap)
    .range();
}
