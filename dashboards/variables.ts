// Dashboard variables: the ClickHouse datasource (users pick theirs), and workload and route
// from the config and the stored exchanges. The overview takes several of each (or All);
// the route detail exactly one.

import { DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhousePluginId, dashboardDatasource } from './clickhouse-query.ts';
import { renderSql, type SqlConstants } from './constants.ts';
import { variableQueries } from './queries.ts';

export const dashboardUids = { overview: 'warmpath-overview', routeDetail: 'warmpath-route-detail' } as const;

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('ClickHouse').type(clickhousePluginId);
}

function queryVariable(name: string, label: string, sql: string, multi: boolean): QueryVariableBuilder {
  const variable = new QueryVariableBuilder(name)
    .label(label)
    .datasource(dashboardDatasource)
    .query(sql)
    .definition(sql)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
  // No allValue: All expands to every option, and $__conditionalAll turns the filter off.
  return multi ? variable.current({ selected: true, text: ['All'], value: ['$__all'] }) : variable;
}

export function workloadVariable(constants: SqlConstants, multi: boolean): QueryVariableBuilder {
  return queryVariable('workload', 'Workload', renderSql(variableQueries.workload, constants), multi);
}

export function routeVariable(constants: SqlConstants, multi: boolean): QueryVariableBuilder {
  return queryVariable('route', 'Route', renderSql(variableQueries.route, constants), multi);
}
