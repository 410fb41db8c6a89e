import * as common from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as HeatmapBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PROMETHEUS } from './datasources.ts';

/** Lines per series on the Prometheus datasource, legend as a table so that long routes stay readable. */
export function timeseries(title: string, description: string): TimeseriesBuilder {
  return new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .min(0)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .placement(common.LegendPlacement.Bottom)
        .displayMode(common.LegendDisplayMode.Table)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** Buckets Prometheus already counted (calculate off), shown as they are. */
export function bucketHeatmap(title: string, description: string): HeatmapBuilder {
  return new HeatmapBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .calculate(false)
    .cellGap(1);
}
