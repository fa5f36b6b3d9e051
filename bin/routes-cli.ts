// `warmpath routes`: asks a running warmpath's admin listener for GET /v1/routes and prints
// the table (or the JSON with --json).

import { request } from 'undici';
import { isLoopback, parseListen } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';
import { formatRoutes, type RouteRow } from './routes.ts';

export function adminBaseUrl(config: Config): string {
  const { host, port } = parseListen(config.server.admin_listen);
  // A wildcard listener is reached on loopback from the same machine.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const shown = reachable.includes(':') && !isLoopback(reachable) ? `[${reachable}]` : reachable === '::1' ? '[::1]' : reachable;
  return `http://${shown}:${port}`;
}

export async function runRoutes(config: Config, json: boolean): Promise<number> {
  const url = `${adminBaseUrl(config)}/v1/routes`;
  try {
    const response = await request(url, {
      headers: config.server.admin_token === undefined ? {} : { authorization: `Bearer ${config.server.admin_token}` },
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.body.text();
    if (response.statusCode !== 200) {
      process.stderr.write(`warmpath: ${url} answered ${response.statusCode}: ${body.slice(0, 300)}\n`);
      return 1;
    }
    const rows = JSON.parse(body) as RouteRow[];
    process.stdout.write(json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatRoutes(rows)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`warmpath: cannot reach ${url} (is warmpath running with this config?): ${(err as Error).message}\n`);
    return 1;
  }
}
