// A grafana-clickhouse-datasource query for the foundation SDK, which has no typed one:
// raw SQL in the plugin's SQL editor mode. `format` is the plugin's: 0 time series (the
// first column is the time; string columns become series labels), 1 table.

import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';

export const clickhousePluginId = 'grafana-clickhouse-datasource';

export interface DatasourceRef {
  readonly type: string;
  readonly uid: string;
}

/** Every dashboard query and panel points at the `datasource` variable. */
export const dashboardDatasource: DatasourceRef = { type: clickhousePluginId, uid: '${datasource}' };

export const formats = { timeSeries: 0, table: 1 } as const;
export type QueryFormat = (typeof formats)[keyof typeof formats];

export interface ClickHouseQuery extends Dataquery {
  refId?: string;
  hide?: boolean;
  datasource?: DatasourceRef;
  editorType: 'sql';
  rawSql: string;
  format: QueryFormat;
  intervalMs?: number;
  maxDataPoints?: number;
}

export class ClickHouseQueryBuilder implements Builder<Dataquery> {
  readonly #query: ClickHouseQuery;

  constructor(rawSql: string) {
    this.#query = { editorType: 'sql', rawSql, format: formats.table, _implementsDataqueryVariant() {} };
  }

  build(): ClickHouseQuery {
    return this.#query;
  }

  refId(refId: string): this {
    this.#query.refId = refId;
    return this;
  }

  format(format: QueryFormat): this {
    this.#query.format = format;
    return this;
  }

  datasource(datasource: DatasourceRef): this {
    this.#query.datasource = { ...datasource };
    return this;
  }

  /** Alert rules only: Grafana's default of 1000 ms would make `$__interval_s` 1. */
  intervalMs(intervalMs: number): this {
    this.#query.intervalMs = intervalMs;
    return this;
  }

  maxDataPoints(maxDataPoints: number): this {
    this.#query.maxDataPoints = maxDataPoints;
    return this;
  }
}
