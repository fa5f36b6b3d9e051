// StoreSql over a @clickhouse/client (embedded chDB or a server): the evaluator store's
// way to ClickHouse in the process that holds the client.

import type { ClickHouseClient } from '@clickhouse/client';
import { bytesInsert } from '../core/clickhouse.ts';
import type { StoreSql } from './store.ts';

export function clientSql(client: ClickHouseClient): StoreSql {
  return {
    async selectJsonLines(query, params) {
      const result = await client.query({ query, query_params: { ...params }, format: 'JSONEachRow' });
      return result.text();
    },
    insertJsonLines: (table, body) => bytesInsert(client, table, { format: 'JSONEachRow' })(body),
  };
}
