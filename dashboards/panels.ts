// Panel factories shared by both dashboards: every panel gets an explicit id, a title and a
// description, the datasource variable, and one ClickHouse query from queries.ts.

import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardLinkBuilder, MappingType, RowBuilder, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import type { ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { ClickHouseQueryBuilder, dashboardDatasource, formats, type QueryFormat } from './clickhouse-query.ts';

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** Rendered SQL (constants filled in); Grafana expands the macros and variables. */
  readonly sql: string;
  readonly w: number;
  readonly h: number;
}

/** Panel and row ids, unique within a dashboard. */
export class PanelIds {
  #next = 1;
  take(): number {
    return this.#next++;
  }
}

interface CommonPanel<T> {
  id(id: number): T;
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: { type: string; uid: string }): T;
  withTarget(target: ClickHouseQueryBuilder): T;
  span(w: number): T;
  height(h: number): T;
}

function setUp<T extends CommonPanel<T>>(panel: T, spec: PanelSpec, ids: PanelIds, format: QueryFormat): T {
  const query = new ClickHouseQueryBuilder(spec.sql).refId('A').format(format).datasource(dashboardDatasource);
  return panel.id(ids.take()).title(spec.title).description(spec.description).datasource(dashboardDatasource).withTarget(query).span(spec.w).height(spec.h);
}

export function row(title: string, ids: PanelIds): RowBuilder {
  return new RowBuilder(title).id(ids.take());
}

export function thresholds(base: string, steps: readonly (readonly [number, string])[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

export function textColours(colours: Readonly<Record<string, string>>): ValueMapping[] {
  const options = Object.fromEntries(Object.entries(colours).map(([value, color], index) => [value, { color, index }]));
  return [{ type: MappingType.ValueToText, options }];
}

const legend = (): common.VizLegendOptionsBuilder =>
  new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(['lastNotNull', 'max']);

export function timeSeries(spec: PanelSpec, ids: PanelIds, unit: string, style: 'lines' | 'stacked-bars' = 'lines'): TimeSeriesPanel {
  const panel = setUp(new TimeSeriesPanel(), spec, ids, formats.timeSeries).unit(unit).legend(legend());
  if (style === 'lines') return panel.drawStyle(common.GraphDrawStyle.Line).lineWidth(2).spanNulls(true);
  return panel
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'));
}

export function table(spec: PanelSpec, ids: PanelIds): TablePanel {
  return setUp(new TablePanel(), spec, ids, formats.table).cellHeight(common.TableCellHeight.Sm);
}

export function stat(spec: PanelSpec, ids: PanelIds, unit: string): StatPanel {
  return setUp(new StatPanel(), spec, ids, formats.table)
    .unit(unit)
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(true));
}

export function stateTimeline(spec: PanelSpec, ids: PanelIds, states: Readonly<Record<string, readonly [string, string]>>): StateTimelinePanel {
  const options = Object.fromEntries(Object.entries(states).map(([value, [text, color]], index) => [value, { text, color, index }]));
  return setUp(new StateTimelinePanel(), spec, ids, formats.timeSeries)
    .mappings([{ type: MappingType.ValueToText, options }])
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .fillOpacity(80);
}

export function barChart(spec: PanelSpec, ids: PanelIds, xField: string): BarChartPanel {
  return setUp(new BarChartPanel(), spec, ids, formats.table).xField(xField).stacking(common.StackingMode.None);
}

/** A link to another dashboard keeping the time range and the datasource choice. */
export function dashboardUrl(uid: string, slug: string, params: string): string {
  return `/d/${uid}/${slug}?\${__url_time_range}&\${datasource:queryparam}${params}`;
}

export function link(title: string, url: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title).url(url).tooltip(title).targetBlank(false);
}
