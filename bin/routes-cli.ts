// `warmpath routes`: asks a running warmpath's admin listener for GET /v1/routes and prints
// the table (or the JSON with --json).

import type { Config } from '../schemas/index.ts';
import { adminJson } from './admin-client.ts';
import { formatRoutes, type RouteRow } from './routes.ts';

export async function runRoutes(config: Config, json: boolean): Promise<number> {
  let rows: RouteRow[];
  try {
    rows = await adminJson<RouteRow[]>(config, 'GET', '/v1/routes');
  } catch (err) {
    process.stderr.write(`warmpath: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatRoutes(rows)}\n`);
  return 0;
}
